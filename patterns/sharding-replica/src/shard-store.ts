import type { ReadinessCheck } from '@kvs-lab/shared/service';
import type { ChaosFault, LinkControl } from '@kvs-lab/shared/service';
import type { PageQuery } from './domain/item-page.ts';
import type { Durability, Placement } from './check/sharding-check.ts';
import type { FailoverEvent, RebalanceView, ShardStatus, ShardingEvents } from './realtime/events.ts';

/**
 * The one port of this pattern: what the sharding service needs from whatever spreads keys over
 * masters and keeps a replica of each. The hand-made router (`engines/router/`) and Redis Cluster
 * (`engines/cluster/`) implement it; the service, the routes and `/check` never ask which one runs.
 * A figure an engine cannot report is `null`, with the reason in the answer.
 */
export interface ShardStore {
  /** `router`, `cluster`, ...: shown to the reader, never branched on. */
  readonly engine: string;
  /** Adopts the roles Redis reports and starts watching; `onSample` runs after each monitor round. */
  start(onSample: () => void): Promise<void>;
  close(): Promise<void>;

  put(key: string, value: string, durability: Durability): Promise<PutResult>;
  /** `preferMaster`: the hot-key mitigation `spread-reads` asks this eventual read to go to the master. */
  get(key: string, consistency: Consistency, options: { preferMaster: boolean }): Promise<GetResult>;
  delete(key: string): Promise<DeleteResult>;

  putItem(pk: string, sk: string, value: string): Promise<ItemWritten>;
  getItem(pk: string, sk: string): Promise<ItemRead>;
  deleteItem(pk: string, sk: string): Promise<ItemWritten & { isDeleted: boolean }>;
  queryItems(pk: string, query: PageQuery): Promise<ItemPage>;

  /** Where a key lives; the engine adds its own fields (ring position, hash slot). */
  locate(key: string): Location;
  ring(): unknown;
  ringEvent(): ShardingEvents['ring:changed'];
  shards(): ShardStatus[];
  failovers(): readonly FailoverEvent[];
  rejoins(): readonly { shard: string; node: string; master: string; reason: string; at: number }[];
  /** Who decides failover, and its own view now (the cluster's epoch, each sentinel's masters). */
  authority(): Promise<Record<string, unknown>>;
  /** Per active shard: keys and routed operations per second, for autoscaling. */
  loads(): { shard: string; keys: number; opsPerSecond: number }[];

  /** Scale out onto the next standby (the spare master); resolves once started. */
  addShard(trigger: 'api' | 'autoscale'): RebalanceView;
  drainShard(id: string): RebalanceView;
  rebalance(): RebalanceView | undefined;
  readonly isRebalancing: boolean;
  /** The shard scaling out would add, or null when none is left. */
  standby(): string | null;

  /** A strong read for `/check`: what the key's master holds now. */
  readStrong(key: string): Promise<string | null>;
  /** Where every key sits, for `/check`; `reason` when placement cannot be judged now. */
  placements(): Promise<{ placements: Placement[] } | { reason: string }>;

  readonly readiness: readonly ReadinessCheck[];
  readonly links: readonly LinkControl[];
  readonly faults: readonly ChaosFault[];
}

export type Consistency = 'eventual' | 'strong';

export interface PutResult {
  key: string;
  shard: string;
  master: string;
  durability: Durability;
  /** Replicas that acknowledged the write (WAIT's answer); null for async writes, which do not ask. */
  replicasAcked: number | null;
  isReplicated: boolean;
}

/** How far the serving replica trailed its master when it answered; for a master-served read, the last sample. */
export interface ReadLag {
  bytes: number | null;
  masterOffset: number | null;
  replicaOffset: number | null;
  /** `probe`: the router's last probe of the replica; `sample`: the monitor's last INFO round; `cache`: no node asked. */
  measuredAt: 'probe' | 'sample' | 'cache';
  /** The replica's `master_link_status` (`up`, `down`), null when unknown. */
  replicaLink: string | null;
  /**
   * The answer holds every write acknowledged more than this many milliseconds before the read: 0 from a
   * master, at most REPLICA_MAX_STALENESS_MS from a replica, null when no bound is known.
   */
  stalenessMs: number | null;
}

export interface GetResult {
  key: string;
  value: string;
  shard: string;
  servedBy: string;
  consistency: Consistency;
  replicationLag: ReadLag;
}

export interface DeleteResult {
  key: string;
  shard: string;
  isDeleted: boolean;
}

export interface ItemWritten {
  pk: string;
  sk: string;
  shard: string;
}

export interface ItemRead extends ItemWritten {
  value: string;
}

export interface ItemPage {
  pk: string;
  shard: string;
  items: { sk: string; value: string }[];
  nextStartAfter: string | null;
}

export interface Location {
  key: string;
  shard: string;
  master: string;
  replica: string | null;
  [field: string]: unknown;
}

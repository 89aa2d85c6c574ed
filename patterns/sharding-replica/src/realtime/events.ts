/** The typed socket.io events of this pattern's live view, named `entity:action`. */

export interface RingPoint {
  readonly shard: string;
  readonly position: number;
}

export interface NodeStatus {
  readonly name: string;
  readonly role: 'master' | 'replica';
  readonly isAlive: boolean;
  readonly missedPings: number;
  readonly offset: number | undefined;
  readonly linkStatus: string | undefined;
}

export interface ShardStatus {
  readonly id: string;
  readonly state: 'active' | 'standby' | 'joining' | 'draining';
  readonly master: NodeStatus;
  readonly replica: NodeStatus | undefined;
  readonly keys: number | undefined;
  readonly opsPerSecond: number;
  readonly lagBytes: number | undefined;
  readonly isReplicationPaused: boolean;
}

export interface FailoverEvent {
  readonly shard: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** When the old master first missed a ping (ms since epoch). */
  readonly downSince: number | undefined;
  readonly promotedAt: number;
  /** From the first missed ping to the promotion. */
  readonly failoverMs: number | undefined;
}

export interface RebalanceView {
  readonly id: number;
  readonly kind: 'add' | 'drain';
  readonly shard: string;
  readonly status: 'running' | 'done';
  readonly planned: number | undefined;
  readonly keysMoved: number;
  readonly keysTouched: number;
  readonly movedTo: Readonly<Record<string, number>>;
  /** Keys moved out of each shard (the router knows; the cluster moves slots between addresses). */
  readonly movedFrom?: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly lastError: string | undefined;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  readonly trigger: 'api' | 'autoscale';
}

/** The pattern's own events; `ShardingLiveEvents` adds the kit's index signature. */
export interface ShardingEvents {
  'ring:changed': { virtualNodes: number; points: RingPoint[]; shares: Record<string, number> };
  'shards:status': { shards: ShardStatus[] };
  'shard:failover': FailoverEvent;
  'shard:rejoined': { shard: string; node: string; master: string; reason: string };
  'rebalance:progress': RebalanceView;
  'hotkeys:updated': { top: { key: string; estimate: number; isHot: boolean }[]; mitigation: string };
  'autoscale:triggered': { shard: string; reason: string };
}

export interface ShardingLiveEvents extends ShardingEvents {
  [event: `${string}:${string}`]: unknown;
}

/** Sends one typed event to every open live view. */
export type Emit = <K extends keyof ShardingEvents>(event: K, payload: ShardingEvents[K]) => void;

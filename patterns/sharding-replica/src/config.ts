import { parseRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisNodeAddress } from '@kvs-lab/shared/redis';
import { z } from 'zod';
import { mitigations } from './hot-keys.ts';
import type { Mitigation } from './hot-keys.ts';
import { parseEnv } from '@kvs-lab/shared/service';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

/** The engines behind the API (see README "In production"); `router` is the hand-made one. */
export const engines = ['router', 'cluster', 'sentinel'] as const;
export type Engine = (typeof engines)[number];

const envSchema = z.object({
  PORT: int(0, 65535, 7501),
  ENGINE: z.enum(engines).default('router'),
  SENTINELS: z
    .string()
    .regex(/^(|[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*)$/, 'host:port,host:port,...')
    .default(''),
  REDIS_NODES: z
    .string()
    .default(
      [1, 2, 3, 4]
        .flatMap((n) => [
          `shard-${n}-master=redis://127.0.0.1:${7509 + 2 * n}`,
          `shard-${n}-replica=redis://127.0.0.1:${7510 + 2 * n}`,
        ])
        .join(','),
    ),
  VIRTUAL_NODES: int(1, 4096, 160),
  ITEM_HASH_TAGS: flag(true),
  ACTIVE_SHARDS: int(1, 64, 3),
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000, 200),
  PING_INTERVAL_MS: int(20, 10_000, 250),
  FAILOVER_MISSED_PINGS: int(1, 100, 3),
  MONITOR_INTERVAL_MS: int(100, 60_000, 1000),
  WAIT_TIMEOUT_MS: int(1, 10_000, 500),
  REPLICA_PROBE_MS: int(10, 10_000, 100),
  REPLICA_MAX_STALENESS_MS: int(0, 3_600_000, 1000),
  MAX_VALUE_BYTES: int(1, 32_768, 8192),
  HOT_KEY_TOP_K: int(1, 100, 10),
  HOT_KEY_MIN_SHARE: z.coerce.number().min(0).max(1).default(0.05),
  HOT_KEY_MIN_COUNT: int(1, 1_000_000, 50),
  HOT_KEY_DECAY_MS: int(1000, 3_600_000, 10_000),
  HOT_KEY_CACHE_MS: int(1, 60_000, 500),
  HOT_KEY_MITIGATION: z.enum(mitigations).default('off'),
  AUTOSCALE_ENABLED: flag(false),
  AUTOSCALE_MAX_KEYS_PER_SHARD: int(1, 100_000_000, 50_000),
  AUTOSCALE_MAX_OPS_PER_SHARD: int(1, 10_000_000, 5_000),
  AUTOSCALE_SUSTAIN_TICKS: int(1, 1000, 3),
});

/** Every environment variable the router reads, for the README's configuration table test. */
export const configVariables: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  readonly port: number;
  readonly engine: Engine;
  /** Sentinels to ask for each shard's master (engine `sentinel`; the runner sets SENTINELS). */
  readonly sentinels: readonly { host: string; port: number }[];
  readonly redisNodes: readonly RedisNodeAddress[];
  readonly virtualNodes: number;
  /** Cluster engine: a partition's keys carry the hash tag `{pk}` (off only to see CROSSSLOT). */
  readonly isItemHashTagged: boolean;
  readonly activeShards: number;
  /** A command with no answer by then fails as 504 (the kit's fail-fast default is 200 ms). */
  readonly redisCommandTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly missedPingsToFail: number;
  readonly monitorIntervalMs: number;
  readonly waitTimeoutMs: number;
  /** How often the router probes each replica's offset against its master's (eventual reads use it). */
  readonly replicaProbeMs: number;
  /** An eventual read goes to the master unless the replica holds every write acknowledged this long before. */
  readonly maxReplicaStalenessMs: number;
  readonly maxValueBytes: number;
  readonly hotKeys: {
    readonly topK: number;
    readonly minShare: number;
    readonly minCount: number;
    readonly decayMs: number;
    readonly cacheMs: number;
    readonly mitigation: Mitigation;
  };
  readonly autoscale: {
    readonly isEnabled: boolean;
    readonly maxKeysPerShard: number;
    readonly maxOpsPerShard: number;
    readonly sustainTicks: number;
  };
}

/** Parses the environment; throws one message listing every bad variable, so start-up fails fast. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv('sharding-replica', envSchema, env);
  return {
    port: e.PORT,
    engine: e.ENGINE,
    sentinels:
      e.SENTINELS === ''
        ? []
        : e.SENTINELS.split(',').map((a) => {
            const at = a.lastIndexOf(':');
            return { host: a.slice(0, at), port: Number(a.slice(at + 1)) };
          }),
    redisNodes: parseRedisNodes(e.REDIS_NODES),
    virtualNodes: e.VIRTUAL_NODES,
    isItemHashTagged: e.ITEM_HASH_TAGS,
    activeShards: e.ACTIVE_SHARDS,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    pingIntervalMs: e.PING_INTERVAL_MS,
    missedPingsToFail: e.FAILOVER_MISSED_PINGS,
    monitorIntervalMs: e.MONITOR_INTERVAL_MS,
    waitTimeoutMs: e.WAIT_TIMEOUT_MS,
    replicaProbeMs: e.REPLICA_PROBE_MS,
    maxReplicaStalenessMs: e.REPLICA_MAX_STALENESS_MS,
    maxValueBytes: e.MAX_VALUE_BYTES,
    hotKeys: {
      topK: e.HOT_KEY_TOP_K,
      minShare: e.HOT_KEY_MIN_SHARE,
      minCount: e.HOT_KEY_MIN_COUNT,
      decayMs: e.HOT_KEY_DECAY_MS,
      cacheMs: e.HOT_KEY_CACHE_MS,
      mitigation: e.HOT_KEY_MITIGATION,
    },
    autoscale: {
      isEnabled: e.AUTOSCALE_ENABLED,
      maxKeysPerShard: e.AUTOSCALE_MAX_KEYS_PER_SHARD,
      maxOpsPerShard: e.AUTOSCALE_MAX_OPS_PER_SHARD,
      sustainTicks: e.AUTOSCALE_SUSTAIN_TICKS,
    },
  };
}

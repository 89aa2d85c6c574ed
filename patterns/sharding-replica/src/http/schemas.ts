import { z } from '@kvs-lab/shared/service';
import { mitigations } from '../hot-keys.ts';

/** Keys, partition keys and sort keys: URL-safe characters only, so no glob or path tricks reach Redis. */
export const keyName = z
  .string()
  .regex(/^[A-Za-z0-9._:~-]{1,200}$/, 'letters, digits and . _ : ~ -, 1-200 characters')
  .openapi({ example: 'user:42' });
export const sortKey = z
  .string()
  .regex(/^[A-Za-z0-9._:~#|-]{1,200}$/, 'letters, digits and . _ : ~ # | -, 1-200 characters')
  .openapi({ example: 'order#2026-01-05' });

export const keyParams = z.strictObject({ key: keyName });
export const itemParams = z.strictObject({ pk: keyName, sk: sortKey });
export const partitionParams = z.strictObject({ pk: keyName });
export const shardParams = z.strictObject({
  id: z
    .string()
    .regex(/^shard-\d{1,3}$/, 'shard-N')
    .openapi({ example: 'shard-3' }),
});

export const durabilityQuery = z.strictObject({
  durability: z.enum(['async', 'replica']).default('async').openapi({
    description:
      '`async`: acknowledged once the master has it (lost if the master dies before the replica copies it). `replica`: the router also runs `WAIT 1 <ms>` and reports whether the replica acknowledged.',
  }),
});
export const consistencyQuery = z.strictObject({
  consistency: z.enum(['eventual', 'strong']).default('eventual').openapi({
    description: '`eventual`: read the replica (may be stale). `strong`: read the master (read-your-writes).',
  }),
});

export function valueBody(maxValueBytes: number) {
  return z.strictObject({
    value: z
      .string()
      .refine((v) => Buffer.byteLength(v) <= maxValueBytes, `at most ${maxValueBytes} bytes`)
      .openapi({ example: 'hello' }),
  });
}

export const pageQuery = z.strictObject({
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9._:~#|-]{0,200}$/, 'sort-key characters, up to 200')
    .default('')
    .openapi({ example: 'order#' }),
  startAfter: sortKey.optional().openapi({ description: 'The `nextStartAfter` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  order: z.enum(['asc', 'desc']).default('asc'),
});

export const balanceQuery = z.strictObject({
  virtualNodes: z.coerce.number().int().min(1).max(1024).default(160),
  sampleKeys: z.coerce.number().int().min(100).max(100_000).default(10_000),
});

export const mitigationBody = z.strictObject({
  mode: z.enum(mitigations).openapi({
    description:
      '`spread-reads`: eventual reads of a hot key alternate between master and replica. `router-cache`: the router answers them from memory for HOT_KEY_CACHE_MS.',
  }),
});

export const autoscaleBody = z.strictObject({
  isEnabled: z.boolean().optional(),
  maxKeysPerShard: z.number().int().min(1).max(100_000_000).optional(),
  maxOpsPerShard: z.number().int().min(1).max(10_000_000).optional(),
  sustainTicks: z.number().int().min(1).max(1000).optional(),
});

const lag = z.object({
  bytes: z.number().int().nullable().openapi({
    description: 'Replication stream bytes the replica had not applied; null when a side did not say.',
  }),
  masterOffset: z.number().int().nullable(),
  replicaOffset: z.number().int().nullable(),
  measuredAt: z.enum(['probe', 'sample', 'cache']).openapi({
    description:
      "`probe`: the router's last probe of the replica (every REPLICA_PROBE_MS: the master's offset, then the replica's); `sample`: the monitor's last INFO round (master-served reads); `cache`: the router cache answered, no node was asked.",
  }),
  replicaLink: z.string().nullable().openapi({
    description: "The replica's `master_link_status`: `up`, or `down` while it receives nothing.",
  }),
  stalenessMs: z.number().int().nullable().openapi({
    description:
      'The answer holds every write acknowledged more than this many ms before the read: 0 from a master, at most REPLICA_MAX_STALENESS_MS from a replica (else the master answers), null when no bound is known (router cache, cluster replicas).',
  }),
});

export const putResult = z
  .object({
    key: z.string(),
    shard: z.string(),
    master: z.string(),
    durability: z.enum(['async', 'replica']),
    replicasAcked: z.number().int().nullable(),
    isReplicated: z.boolean(),
  })
  .openapi('PutResult');

export const getResult = z
  .object({
    key: z.string(),
    value: z.string(),
    shard: z.string(),
    servedBy: z.string().openapi({ description: 'The node that answered, or `router-cache`.' }),
    consistency: z.enum(['eventual', 'strong']),
    replicationLag: lag,
  })
  .openapi('GetResult');

export const deleteResult = z.object({ key: z.string(), shard: z.string(), isDeleted: z.boolean() });

export const locateResult = z
  .object({
    key: z.string(),
    hash: z.number().int().optional().openapi({ description: 'router: murmur3_32 of the key on the ring.' }),
    virtualNode: z
      .object({ shard: z.string(), index: z.number().int(), position: z.number().int() })
      .optional()
      .openapi({ description: 'router: the virtual node just clockwise of the hash.' }),
    redisKey: z
      .string()
      .optional()
      .openapi({ description: 'cluster: the Redis key whose slot is computed.' }),
    slot: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'cluster: CRC16-XMODEM of the key (or its hash tag) mod 16384.' }),
    hashTag: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'cluster: the `{tag}` hashed instead of the key.' }),
    slotRange: z.object({ start: z.number().int(), end: z.number().int() }).nullable().optional(),
    shard: z.string(),
    master: z.string(),
    replica: z.string().nullable(),
    rebalancing: z.object({ shard: z.string(), kind: z.enum(['add', 'drain']) }).nullable(),
  })
  .openapi('Location');

export const ringResult = z
  .object({
    virtualNodes: z.number().int(),
    shards: z.array(
      z.object({
        id: z.string(),
        share: z.number(),
        virtualNodes: z.array(z.object({ index: z.number().int(), position: z.number().int() })),
        slotRanges: z
          .array(z.array(z.number().int()))
          .optional()
          .openapi({ description: 'cluster: the `[start, end]` slot ranges this shard serves.' }),
      }),
    ),
  })
  .openapi('Ring');

export const balanceResult = z
  .object({
    virtualNodes: z.number().int(),
    sampleKeys: z.number().int(),
    shards: z.array(z.string()),
    keysPerShard: z.record(z.string(), z.number().int()),
    maxOverMean: z.number(),
    addShard: z.object({
      shard: z.string(),
      ringMovedFraction: z.number(),
      moduloMovedFraction: z.number(),
      idealFraction: z.number(),
    }),
  })
  .openapi('Balance');

const nodeStatus = z.object({
  name: z.string(),
  role: z.enum(['master', 'replica']),
  isAlive: z.boolean(),
  missedPings: z.number().int(),
  offset: z.number().int().optional(),
  linkStatus: z.string().optional(),
});

export const shardStatus = z
  .object({
    id: z.string(),
    state: z.enum(['active', 'standby', 'joining', 'draining']),
    master: nodeStatus,
    replica: nodeStatus.optional(),
    keys: z.number().int().optional(),
    opsPerSecond: z.number(),
    lagBytes: z.number().int().optional(),
    isReplicationPaused: z.boolean(),
  })
  .openapi('ShardStatus');

export const failoverEvent = z.object({
  shard: z.string(),
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  downSince: z.number().optional(),
  promotedAt: z.number(),
  failoverMs: z.number().optional(),
});

export const rebalanceView = z
  .object({
    id: z.number().int(),
    kind: z.enum(['add', 'drain']),
    shard: z.string(),
    status: z.enum(['running', 'done']),
    planned: z.number().int().optional(),
    keysMoved: z.number().int(),
    keysTouched: z.number().int(),
    movedTo: z.record(z.string(), z.number().int()),
    movedFrom: z
      .record(z.string(), z.number().int())
      .optional()
      .openapi({ description: 'router: keys moved out of each shard (the cluster moves slots instead).' }),
    errors: z.number().int(),
    lastError: z.string().optional(),
    startedAt: z.number(),
    finishedAt: z.number().optional(),
    trigger: z.enum(['api', 'autoscale']),
    slotsPlanned: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'cluster: slots this migration moves.' }),
    slotsMoved: z.number().int().optional(),
    redirections: z
      .object({ moved: z.number().int(), ask: z.number().int(), tryAgain: z.number().int() })
      .optional()
      .openapi({ description: 'cluster: MOVED, ASK and TRYAGAIN answers met by requests since it started.' }),
  })
  .openapi('Rebalance');

export const hotKeysResult = z
  .object({
    top: z.array(z.object({ key: z.string(), estimate: z.number().int(), isHot: z.boolean() })),
    totalAccesses: z.number().int(),
    mitigation: z.enum(mitigations),
    sketch: z.object({ width: z.number().int(), depth: z.number().int(), counters: z.number().int() }),
    cacheHits: z.number().int(),
    spreadReads: z.number().int(),
    cachedKeys: z.number().int(),
  })
  .openapi('HotKeys');

export const autoscaleResult = z
  .object({
    isEnabled: z.boolean(),
    maxKeysPerShard: z.number().int(),
    maxOpsPerShard: z.number().int(),
    sustainTicks: z.number().int(),
    breachTicks: z.number().int(),
    lastDecision: z.object({ kind: z.enum(['hold', 'scale-out']), reason: z.string() }).nullable(),
    standby: z.string().nullable(),
  })
  .openapi('Autoscale');

export const itemResult = z.object({ pk: z.string(), sk: z.string(), value: z.string(), shard: z.string() });
export const itemWritten = z.object({ pk: z.string(), sk: z.string(), shard: z.string() });
export const itemDeleted = itemWritten.extend({ isDeleted: z.boolean() });
export const pageResult = z
  .object({
    pk: z.string(),
    shard: z.string(),
    items: z.array(z.object({ sk: z.string(), value: z.string() })),
    nextStartAfter: z.string().nullable(),
  })
  .openapi('ItemPage');

export const statsResult = z
  .object({
    engine: z
      .string()
      .openapi({ description: 'The engine behind the API: `router`, `cluster` or `sentinel`.' }),
    ring: z.object({ virtualNodes: z.number().int(), shards: z.array(z.string()) }),
    shards: z.array(shardStatus),
    failovers: z.array(failoverEvent),
    rejoins: z.array(
      z.object({
        shard: z.string(),
        node: z.string(),
        master: z.string(),
        reason: z.string(),
        at: z.number(),
      }),
    ),
    rebalance: rebalanceView.nullable(),
    hotKeys: hotKeysResult,
    autoscale: autoscaleResult,
    history: z.object({ operations: z.number().int(), evicted: z.number().int() }),
  })
  .openapi('ShardingStats');

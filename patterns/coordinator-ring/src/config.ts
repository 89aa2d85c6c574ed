import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { PeerAuth } from './cluster/peer-auth.ts';
import { parseEnv } from '@kvs-lab/shared/service';

const ms = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Every setting of a ring node, from the environment, with its default. The
 * timing rule Raft needs: heartbeat interval well below the election timeout,
 * which is well below the mean time between failures.
 */
const configSchema = z
  .object({
    /** `raft`: the hand-made Raft over each node's own Redis; `etcd`: a thin service over an etcd cluster. */
    ENGINE: z.enum(['raft', 'etcd']).default('raft'),
    /** The etcd members' client URLs (ENGINE=etcd). */
    ETCD_ENDPOINTS: z.string().default(''),
    SERVICE_NAME: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .default('ring-1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(7101),
    REDIS_NODES: z.string().default('ring-1-redis=redis://127.0.0.1:7111'),
    PEERS: z.string().default('ring-2=http://127.0.0.1:7102,ring-3=http://127.0.0.1:7103'),
    /** How often the leader sends AppendEntries and every node gossips its heartbeat. */
    HEARTBEAT_INTERVAL_MS: ms(100, 10, 10_000),
    /** A member silent this long is dead; half of it, suspect. */
    FAILURE_TIMEOUT_MS: ms(1000, 50, 60_000),
    ELECTION_TIMEOUT_MIN_MS: ms(600, 50, 60_000),
    ELECTION_TIMEOUT_MAX_MS: ms(1200, 50, 120_000),
    /** How long one internal request may take before the peer counts as unreachable for it. */
    RPC_TIMEOUT_MS: ms(500, 20, 30_000),
    /** How long a write waits for a majority before answering 504 COMMIT_UNKNOWN. */
    WRITE_TIMEOUT_MS: ms(3000, 50, 60_000),
    /** How many ring successors each node sends its heartbeat to. */
    MONITOR_SUCCESSORS: z.coerce.number().int().min(1).max(8).default(2),
    /** Most log entries in one AppendEntries. */
    MAX_BATCH_ENTRIES: z.coerce.number().int().min(1).max(10_000).default(256),
    /**
     * AppendEntries on their way to one follower at once, over its stream (1: wait for each answer). On
     * a CPU-bound machine 1 measured fastest: the writes that arrive during a round trip travel as one
     * bigger batch, fewer lines for the same entries (README, Benchmark).
     */
    APPEND_PIPELINE_DEPTH: z.coerce.number().int().min(1).max(64).default(1),
    /** Compact the log once this many applied entries sit after the last snapshot. */
    SNAPSHOT_EVERY_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
    /** Applied entries a compaction leaves in the log, for followers a little behind. */
    SNAPSHOT_KEEP_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
    /**
     * The secret every node of the ring shares: each internal message carries an HMAC of it, and a message
     * without a valid one is refused with 401. `pnpm lab up` generates one per run.
     */
    CLUSTER_SECRET: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(16, 'at least 16 characters').max(512).optional(),
    ),
    /** `1`: run without CLUSTER_SECRET and accept unsigned peer messages (anyone who reaches the port can vote). */
    LAB_INSECURE_PEERS: z.enum(['0', '1']).default('0'),
    /** Request log level; the `/internal/` messages (10 a second per node) are never logged (app.ts). */
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .refine((c) => c.ELECTION_TIMEOUT_MAX_MS >= c.ELECTION_TIMEOUT_MIN_MS, {
    message: 'ELECTION_TIMEOUT_MAX_MS must be >= ELECTION_TIMEOUT_MIN_MS',
  })
  .refine((c) => c.ENGINE !== 'etcd' || /^https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*$/.test(c.ETCD_ENDPOINTS), {
    message: "ENGINE=etcd needs ETCD_ENDPOINTS=http://host:port,... (the etcd members' client URLs)",
  })
  // Only the Raft engine's nodes talk to each other; on etcd the instances share nothing but etcd.
  .refine((c) => c.ENGINE !== 'raft' || c.CLUSTER_SECRET !== undefined || c.LAB_INSECURE_PEERS === '1', {
    message:
      "CLUSTER_SECRET is not set: peers could not tell this ring's messages from anyone else's. " +
      '`pnpm lab up coordinator-ring` sets it for you; running a node by hand, give every node the same ' +
      'CLUSTER_SECRET=$(openssl rand -hex 16), or set LAB_INSECURE_PEERS=1 to accept unsigned messages',
  })
  .refine((c) => c.HEARTBEAT_INTERVAL_MS < c.ELECTION_TIMEOUT_MIN_MS, {
    message: 'HEARTBEAT_INTERVAL_MS must be below ELECTION_TIMEOUT_MIN_MS, or followers start elections',
  });

export interface RingConfig {
  readonly engine: 'raft' | 'etcd';
  readonly etcdEndpoints: string;
  readonly nodeId: string;
  readonly port: number;
  readonly redisNodes: string;
  readonly peers: string;
  readonly heartbeatIntervalMs: number;
  readonly failureTimeoutMs: number;
  readonly electionTimeoutMinMs: number;
  readonly electionTimeoutMaxMs: number;
  readonly rpcTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly monitorSuccessors: number;
  readonly maxBatchEntries: number;
  readonly pipelineDepth: number;
  readonly snapshotEveryEntries: number;
  readonly snapshotKeepEntries: number;
  readonly logLevel: string;
  /** How internal messages are signed and checked (from CLUSTER_SECRET / LAB_INSECURE_PEERS). */
  readonly peerAuth: PeerAuth;
}

/** Parses the environment; throws one message naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): RingConfig {
  const c = parseEnv('coordinator-ring', configSchema, env);
  return {
    engine: c.ENGINE,
    etcdEndpoints: c.ETCD_ENDPOINTS,
    nodeId: c.SERVICE_NAME,
    port: c.PORT,
    redisNodes: c.REDIS_NODES,
    peers: c.PEERS,
    heartbeatIntervalMs: c.HEARTBEAT_INTERVAL_MS,
    failureTimeoutMs: c.FAILURE_TIMEOUT_MS,
    electionTimeoutMinMs: c.ELECTION_TIMEOUT_MIN_MS,
    electionTimeoutMaxMs: c.ELECTION_TIMEOUT_MAX_MS,
    rpcTimeoutMs: c.RPC_TIMEOUT_MS,
    writeTimeoutMs: c.WRITE_TIMEOUT_MS,
    monitorSuccessors: c.MONITOR_SUCCESSORS,
    maxBatchEntries: c.MAX_BATCH_ENTRIES,
    pipelineDepth: c.APPEND_PIPELINE_DEPTH,
    snapshotEveryEntries: c.SNAPSHOT_EVERY_ENTRIES,
    snapshotKeepEntries: c.SNAPSHOT_KEEP_ENTRIES,
    logLevel: c.LOG_LEVEL,
    peerAuth: c.CLUSTER_SECRET === undefined ? { mode: 'off' } : { mode: 'hmac', secret: c.CLUSTER_SECRET },
  };
}

// One secret per process: every in-process node of a test ring shares it, as the runner's nodes share theirs.
const processSecret = randomBytes(16).toString('hex');

/** The defaults, for tests that override a few settings. */
export const defaultConfig = (overrides: Partial<RingConfig> = {}): RingConfig => ({
  ...loadConfig({ CLUSTER_SECRET: processSecret }),
  ...overrides,
});

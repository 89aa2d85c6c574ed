import { z } from 'zod';
import { parseRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisNodeAddress } from '@kvs-lab/shared/redis';
import { topology } from './topology.ts';
import { badConfiguration, parseEnv } from '@kvs-lab/shared/service';

const defaultRedisNodes = topology.redis.map((n) => `${n.name}=redis://127.0.0.1:${n.port}`).join(',');

const onOff = z.enum(['on', 'off']).transform((v) => v === 'on');

/** Every setting of the service, from the environment, each with a default; read once at start-up. */
const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(7601),
    SERVICE_NAME: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/)
      .default('lock-a'),
    REDIS_NODES: z.string().default(defaultRedisNodes),
    RESOURCE_NODE: z.string().default('fenced-store'),
    MAX_TTL_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
    MAX_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(30_000),
    CLOCK_DRIFT_FACTOR: z.coerce.number().min(0).max(0.5).default(0.01),
    QUEUE_POLL_MS: z.coerce.number().int().min(5).max(5_000).default(50),
    QUEUE_LEASE_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
    RESTART_DELAY_MS: z.coerce.number().int().min(0).max(600_000).optional(),
    FENCING_CHECK: onOff.default(true),
    // One socket write per node for the commands of concurrent requests (ioredis auto-pipelining).
    AUTO_PIPELINING: onOff.default(true),
    // Which engine grants leases: the hand-made Redlock (the lesson) or etcd (the answer key).
    ENGINE: z.enum(['redlock', 'etcd']).default('redlock'),
    ETCD_ENDPOINTS: z
      .string()
      .default('http://127.0.0.1:7631,http://127.0.0.1:7632,http://127.0.0.1:7633')
      .transform((v) =>
        v
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== ''),
      ),
    ETCD_CALL_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  })
  .transform((env) => ({
    port: env.PORT,
    instance: env.SERVICE_NAME,
    redisNodes: env.REDIS_NODES,
    resourceNode: env.RESOURCE_NODE,
    maxTtlMs: env.MAX_TTL_MS,
    maxWaitMs: env.MAX_WAIT_MS,
    driftFactor: env.CLOCK_DRIFT_FACTOR,
    queuePollMs: env.QUEUE_POLL_MS,
    queueLeaseMs: env.QUEUE_LEASE_MS,
    // The Redlock spec: a node that restarts without its data stays out for at least the longest TTL.
    restartDelayMs: env.RESTART_DELAY_MS ?? env.MAX_TTL_MS,
    isFencingCheckOn: env.FENCING_CHECK,
    isAutoPipeliningOn: env.AUTO_PIPELINING,
    engine: env.ENGINE,
    etcdEndpoints: env.ETCD_ENDPOINTS,
    etcdCallTimeoutMs: env.ETCD_CALL_TIMEOUT_MS,
  }));

export type LockConfig = z.output<typeof envSchema>;

/** The lock nodes and the protected resource's node, split out of REDIS_NODES. */
export function splitNodes(config: LockConfig): {
  lockNodes: RedisNodeAddress[];
  resourceNode: RedisNodeAddress;
} {
  const all = parseRedisNodes(config.redisNodes);
  const resourceNode = all.find((n) => n.name === config.resourceNode);
  if (!resourceNode) {
    throw badConfiguration(
      'distributed-lock',
      `RESOURCE_NODE=${config.resourceNode} is not among REDIS_NODES (${all.map((n) => n.name).join(', ')})`,
    );
  }
  const lockNodes = all.filter((n) => n !== resourceNode);
  // etcd grants the leases there; Redis holds only the protected resource.
  if (lockNodes.length < 1 && config.engine === 'redlock')
    throw badConfiguration('distributed-lock', 'REDIS_NODES names no lock node besides RESOURCE_NODE');
  return { lockNodes, resourceNode };
}

/** Parses the environment, or throws one message naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LockConfig {
  return parseEnv('distributed-lock', envSchema, env);
}

/** The defaults, with overrides: for tests and the benchmark. */
export function configWith(overrides: Partial<LockConfig> = {}): LockConfig {
  return { ...loadConfig({}), ...overrides };
}

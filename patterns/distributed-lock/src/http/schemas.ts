import { z } from '@kvs-lab/shared/service';
import type { LockConfig } from '../config.ts';

/** Resource names become Redis key parts: a small alphabet and a length cap keep keys readable and bounded. */
export const resourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ".", "_" and "-", 1-64 characters')
  .openapi({ example: 'invoice-42' });

export const ownerName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-", 1-64 characters')
  .openapi({ example: 'worker-1', description: 'Who holds the lease, shown to others (not a secret).' });

export const leaseToken = z
  .string()
  .regex(/^[0-9a-f-]{36}$/, 'the token returned by the acquire')
  .openapi({
    example: '0b5e7a9e-3f4c-4b8e-9a51-5b2b8d6f1c2a',
    description: 'The lease secret from the acquire.',
  });

export const resourceParams = z.object({ resource: resourceName });
export const nameParams = z.object({ name: resourceName });

/** Request schemas whose limits come from the configuration. */
export function requestSchemas(config: LockConfig) {
  const ttlMs = z
    .number()
    .int()
    .min(100)
    .max(config.maxTtlMs)
    .openapi({ example: 10_000, description: `Lease time to live in ms (100-${config.maxTtlMs}).` });
  const waitMs = z
    .number()
    .int()
    .min(0)
    .max(config.maxWaitMs)
    .default(0)
    .openapi({
      example: 0,
      description: `0: fail at once when held. > 0: wait in the FIFO queue up to this many ms (max ${config.maxWaitMs}).`,
    });
  return {
    acquire: z.strictObject({ ttlMs, waitMs, owner: ownerName.default('anonymous') }),
    extend: z.strictObject({ token: leaseToken, ttlMs }),
    release: z.strictObject({ token: leaseToken }),
    acquireMany: z.strictObject({
      resources: z.array(resourceName).min(1).max(10),
      ttlMs,
      waitMs,
      owner: ownerName.default('anonymous'),
      order: z.enum(['canonical', 'as-given']).default('canonical').openapi({
        description:
          '`canonical`: sorted, so two callers never deadlock. `as-given`: the naive order, for exercise 5.',
      }),
      stepDelayMs: z.number().int().min(0).max(5_000).default(0).openapi({
        description: 'Pause after each acquisition, standing for work between two locks (lab knob).',
      }),
    }),
    write: z.strictObject({
      fencingToken: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ example: 7 }),
      data: z.string().max(1_024).openapi({ example: 'balance=100' }),
      writer: ownerName.optional(),
    }),
  };
}

export const leaseSchema = z.object({
  resource: z.string(),
  token: z.string().openapi({ description: 'Keep it secret: it extends and releases this lease.' }),
  fencingToken: z
    .number()
    .int()
    .openapi({ description: 'Strictly increasing per resource: send it with every write.' }),
  validityMs: z
    .number()
    .int()
    .openapi({ description: 'ttlMs minus the time acquiring took and a drift allowance.' }),
  expiresAt: z.string().openapi({ description: 'ISO time the lease can no longer be trusted.' }),
  owner: z.string(),
  instance: z.string(),
  waitedMs: z.number().int(),
  nodes: z.array(z.string()).openapi({ description: 'The lock nodes that granted it (a majority).' }),
});

export const extendedSchema = z.object({
  resource: z.string(),
  validityMs: z.number().int(),
  expiresAt: z.string(),
});

export const lockViewSchema = z.object({
  resource: z.string(),
  isHeld: z.boolean(),
  holder: z
    .object({
      owner: z.string(),
      instance: z.string(),
      fencingToken: z.number().int().nullable(),
      ttlMs: z.number().int(),
      nodes: z.array(z.string()),
    })
    .nullable(),
  queue: z.array(
    z.object({
      waiter: z.string(),
      owner: z.string(),
      instance: z.string(),
      ticket: z.number().int(),
      nodes: z.number().int(),
    }),
  ),
  fencingCounter: z.number().int(),
  nodes: z.array(
    z.object({
      node: z.string(),
      status: z.enum(['holder', 'other-lease', 'free', 'recovering', 'unreachable']),
      owner: z.string().optional(),
      ttlMs: z.number().int().optional(),
      fencingCounter: z.number().int().optional(),
      detail: z.string().optional(),
    }),
  ),
});

const writeEntry = z.object({
  writeId: z.string(),
  fencingToken: z.number().int(),
  data: z.string(),
  writer: z.string(),
  atMs: z.number().int(),
  checked: z.boolean(),
});

export const writeResultSchema = z.object({
  name: z.string(),
  writeId: z.string(),
  accepted: z.literal(true),
  fencingToken: z.number().int(),
  highestToken: z.number().int(),
  isFencingCheckOn: z.boolean(),
});

export const resourceStateSchema = z.object({
  name: z.string(),
  value: z.string().nullable(),
  highestToken: z.number().int().nullable(),
  acceptedCount: z.number().int(),
  rejectedCount: z.number().int(),
  accepted: z.array(writeEntry),
  rejected: z.array(writeEntry),
  isFencingCheckOn: z.boolean(),
});

const samples = z.object({ count: z.number().int(), p50: z.number(), p99: z.number() });

export const statsSchema = z.object({
  instance: z.string(),
  engine: z.enum(['redlock', 'etcd']),
  lockNodes: z.number().int().openapi({ description: 'Redlock: lock nodes. etcd: cluster members.' }),
  quorum: z.number().int(),
  acquisitions: z.number().int(),
  contention: z.number().int().openapi({ description: 'Requests that found the lock held or had to queue.' }),
  timeouts: z.number().int(),
  releases: z.number().int(),
  extensions: z.number().int(),
  expiries: z.number().int().openapi({
    description:
      'Leases granted here that the lock nodes let lapse (checked on the nodes: an extension or release through another instance is not an expiry).',
  }),
  lost: z.number().int(),
  notHolder: z.number().int(),
  quorumUnavailable: z.number().int(),
  outcomes: z
    .object({
      granted: z.number().int(),
      held: z.number().int(),
      timeout: z.number().int(),
      unavailable: z.number().int(),
      tooSlow: z.number().int(),
    })
    .openapi({
      description: 'Acquire requests by how they ended (also `lock_acquisitions_total` in /metrics).',
    }),
  waiting: z.number().int().openapi({ description: 'Waiters queued through this instance now.' }),
  waitMs: samples,
  isFencingCheckOn: z.boolean(),
  nodes: z.array(
    z.object({
      node: z.string(),
      isUp: z.boolean(),
      calls: z.number().int(),
      errors: z.number().int(),
      lastError: z.string().nullable(),
      latencyMs: samples,
    }),
  ),
});

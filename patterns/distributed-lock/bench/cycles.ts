import type { Redis } from 'ioredis';
import Redlock from 'redlock';
import type { JsonCall } from './http-client.ts';

/** Loops on distinct resources (uncontended) and clients on one resource (contended), as issue #16 names them. */
export const concurrency = 16;
export const contenders = 10;

/** One acquire+release cycle of each kind the bench compares, over the same five lock nodes. */
export interface Cycles {
  readonly redlockDirect: () => Promise<void>;
  readonly http: () => Promise<void>;
  readonly redlockContended: () => Promise<void>;
  readonly httpContended: () => Promise<void>;
}

export function cycles(lockClients: readonly Redis[], call: JsonCall, serviceUrl: string): Cycles {
  const redlock = new Redlock(lockClients, { retryCount: 0, driftFactor: 0.01 });
  const contendedRedlock = new Redlock(lockClients, { retryCount: 1_000, retryDelay: 10, retryJitter: 5 });
  let n = 0;
  return {
    redlockDirect: async () => {
      const lock = await redlock.acquire([`bench:direct:${n++ % 1_000}`], 5_000);
      await lock.release();
    },
    http: async () => {
      const resource = `http-${n++ % 1_000}`;
      const lease = await call(`${serviceUrl}/locks/${resource}`, { ttlMs: 5_000 });
      await call(`${serviceUrl}/locks/${resource}/release`, { token: lease.token });
    },
    redlockContended: async () => {
      const lock = await contendedRedlock.acquire(['bench:contended'], 5_000);
      await lock.release();
    },
    httpContended: async () => {
      const lease = await call(`${serviceUrl}/locks/contended`, { ttlMs: 5_000, waitMs: 10_000 });
      await call(`${serviceUrl}/locks/contended/release`, { token: lease.token });
    },
  };
}

/** The same two requests per cycle, against bench/ceiling-server.ts: what any HTTP lock service can reach. */
export interface CeilingCycles {
  readonly bare: () => Promise<void>;
  readonly redlock: () => Promise<void>;
  readonly redlockContended: () => Promise<void>;
}

export function ceilingCycles(call: JsonCall, ceilingUrl: string): CeilingCycles {
  let n = 0;
  const cycle = (prefix: string, resource: string, body: { ttlMs: number; waitMs?: number }) => async () => {
    const lease = await call(`${ceilingUrl}/${prefix}/locks/${resource}`, body);
    await call(`${ceilingUrl}/${prefix}/locks/${resource}/release`, { token: lease.token });
  };
  return {
    bare: () => cycle('bare', `bare-${n++ % 1_000}`, { ttlMs: 5_000 })(),
    redlock: () => cycle('redlock', `bench:ceiling:${n++ % 1_000}`, { ttlMs: 5_000 })(),
    redlockContended: cycle('redlock', 'bench:ceiling-contended', { ttlMs: 5_000, waitMs: 10_000 }),
  };
}

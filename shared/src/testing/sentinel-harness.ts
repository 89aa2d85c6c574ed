import { setTimeout as sleep } from 'node:timers/promises';
import { sendRedisCommand } from '../process/resp-client.ts';
import { sentinelConfigText, type SentinelMaster } from '../process/sentinel-config.ts';
import { startRedis, type RedisHandle } from './redis-harness.ts';

export interface StartSentinelsOptions {
  /** The masters to watch, each under its own name. */
  readonly masters: readonly SentinelMaster[];
  /** 3 by default. */
  readonly count?: number;
  /** 2 by default. */
  readonly quorum?: number;
  /** 1000 ms by default. */
  readonly downAfterMs?: number;
  /** 3000 ms by default. */
  readonly failoverTimeoutMs?: number;
  readonly readyTimeoutMs?: number;
}

export interface SentinelsHandle {
  /** Each sentinel is a Redis harness node (kill/pause/restart keep its port and its rewritten config). */
  readonly sentinels: readonly RedisHandle[];
  /** What a Sentinel-aware client (ioredis `sentinels`) is given. */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  stop(): Promise<void>;
}

let sentinelCounter = 0;

/** Every sentinel sees the others through their hello messages (needed before any failover can be voted). */
async function waitUntilAcquainted(
  sentinels: readonly RedisHandle[],
  masters: readonly SentinelMaster[],
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const others = String(sentinels.length - 1);
  for (;;) {
    const views = await Promise.all(
      sentinels.flatMap((s) =>
        masters.map(async (m) => {
          try {
            const reply = await sendRedisCommand(s.port, ['SENTINEL', 'MASTER', m.name]);
            const pairs = Array.isArray(reply) ? reply.map(String) : [];
            const fields = new Map<string, string>();
            for (let i = 0; i + 1 < pairs.length; i += 2) fields.set(pairs[i] ?? '', pairs[i + 1] ?? '');
            return fields.get('num-other-sentinels') === others;
          } catch {
            return false;
          }
        }),
      ),
    );
    if (views.every(Boolean)) return;
    if (performance.now() >= deadline) {
      throw new Error(`the sentinels did not discover each other within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

/**
 * Starts `count` Redis Sentinels on free loopback ports, each from its own writable config that monitors
 * `masters`, and resolves once each sentinel knows all the others (hello messages every 2 s, so ≈ 2-3 s).
 * The masters must already run; their replicas are found by the sentinels themselves (INFO replication).
 */
export async function startSentinels(options: StartSentinelsOptions): Promise<SentinelsHandle> {
  if (options.masters.length === 0) throw new Error('startSentinels needs at least one master to watch');
  const count = options.count ?? 3;
  const configText = sentinelConfigText(options.masters, {
    quorum: options.quorum ?? 2,
    downAfterMs: options.downAfterMs ?? 1_000,
    failoverTimeoutMs: options.failoverTimeoutMs ?? 3_000,
  });
  sentinelCounter += 1;
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startRedis({
        name: `sentinel${sentinelCounter}-${i + 1}`,
        configText,
        sentinel: true,
        ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
      }),
    ),
  );
  const sentinels = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(sentinels.map((s) => s.stop()));
  };
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  try {
    if (failure) throw failure.reason;
    await waitUntilAcquainted(sentinels, options.masters, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { sentinels, addresses: sentinels.map((s) => ({ host: s.host, port: s.port })), stop };
}

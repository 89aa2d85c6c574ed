import { setTimeout as sleep } from 'node:timers/promises';
import { RedisNode } from '@kvs-lab/shared/redis';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import type { LineStreamsApp } from '../../src/app.ts';
import { configSchema } from '../../src/config.ts';
import type { StreamSettings } from '../../src/config.ts';

export { packageDir } from './worker-process.ts';

/** The defaults, with test-sized timings: claims after 300 ms instead of 3 s. */
export function testSettings(overrides: Partial<StreamSettings> = {}): StreamSettings {
  const defaults = configSchema.parse({});
  return {
    ...defaults,
    CLAIM_MIN_IDLE_MS: 300,
    CLAIM_INTERVAL_MS: 100,
    READ_BLOCK_MS: 100,
    LIVE_POLL_MS: 200,
    ...overrides,
  };
}

export function nodeFor(redis: RedisHandle): RedisNode {
  return new RedisNode({ name: 'streams-redis', url: redis.url, host: redis.host, port: redis.port });
}

/** One in-process instance (API, or worker with its delivery loop) on its own connection. */
export async function startInstance(
  redis: RedisHandle,
  overrides: Partial<StreamSettings> = {},
  onCrash?: () => void,
): Promise<LineStreamsApp> {
  const node = nodeFor(redis);
  await node.ready();
  return createApp({ node, settings: testSettings(overrides), ...(onCrash ? { onCrash } : {}) });
}

/** Polls until `condition` holds; fails with `what` and the last value after the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  isDone: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!isDone(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(50);
    last = await probe();
  }
  return last;
}

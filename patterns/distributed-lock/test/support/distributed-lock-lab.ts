import { RedisNode } from '@kvs-lab/shared/redis';
import type { Service } from '@kvs-lab/shared/service';
import { startRedisCluster } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import { configWith } from '../../src/config.ts';
import type { LockConfig } from '../../src/config.ts';

export const lockNodeNames = ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5'] as const;

export interface LockInstance {
  readonly name: string;
  readonly app: Service;
  readonly url: string;
}

export interface LockCluster {
  /** lock-1..lock-5 in order. */
  readonly lockRedis: RedisHandle[];
  readonly storeRedis: RedisHandle;
  readonly instances: LockInstance[];
  /** A node by name: `redis('lock-3')`. */
  redis(name: string): RedisHandle;
  close(): Promise<void>;
}

// The kit's 200 ms command timeout, raised for tests: the machines are shared and at times heavily loaded,
// and a timeout there is a scheduling hiccup, not the fault under test. Killed nodes still fail at once.
const toNode = (name: string, handle: RedisHandle, commandTimeoutMs = 1_000, autoPipelining = false) =>
  new RedisNode(
    { name, url: handle.url, host: handle.host, port: handle.port },
    { commandTimeoutMs, autoPipelining },
  );

/** Starts one service instance against already running nodes, listening on a free loopback port. */
export async function startInstance(
  name: string,
  lockRedis: readonly RedisHandle[],
  storeRedis: RedisHandle,
  config: Partial<LockConfig> = {},
  commandTimeoutMs?: number,
): Promise<LockInstance> {
  const settings = configWith({ instance: name, maxTtlMs: 30_000, maxWaitMs: 20_000, ...config });
  // The lock nodes' clients as src/main.ts makes them.
  const lockNodes = lockRedis.map((h, i) =>
    toNode(lockNodeNames[i] ?? `lock-${i + 1}`, h, commandTimeoutMs, settings.isAutoPipeliningOn),
  );
  const resourceNode = toNode('fenced-store', storeRedis, commandTimeoutMs);
  await Promise.all([...lockNodes, resourceNode].map((n) => n.ready()));
  const { service: app } = await createApp({
    config: settings,
    lockNodes,
    resourceNode,
  });
  const address = await app.listen(0, '127.0.0.1');
  return { name, app, url: `http://127.0.0.1:${address.port}` };
}

/**
 * Five real redis-servers as lock nodes, one as the protected resource, and
 * two service instances (lock-a, lock-b) sharing them, as in the topology.
 */
export async function startLockCluster(
  options: {
    config?: Partial<LockConfig>;
    appendOnly?: boolean;
    instances?: number;
    /** How long a paused node may keep a call waiting. */
    commandTimeoutMs?: number;
  } = {},
): Promise<LockCluster> {
  const [storeRedis, ...lockRedis] = await startRedisCluster(['fenced-store', ...lockNodeNames], {
    appendOnly: options.appendOnly ?? true,
  });
  if (!storeRedis) throw new Error('no store node');
  const names = ['lock-a', 'lock-b', 'lock-c'].slice(0, options.instances ?? 2);
  const instances = await Promise.all(
    names.map((name) => startInstance(name, lockRedis, storeRedis, options.config, options.commandTimeoutMs)),
  );
  return {
    lockRedis,
    storeRedis,
    instances,
    redis: (name) => {
      const i = lockNodeNames.indexOf(name as (typeof lockNodeNames)[number]);
      const handle = lockRedis[i];
      if (!handle) throw new Error(`no lock node ${name}`);
      return handle;
    },
    close: async () => {
      await Promise.all(instances.map((i) => i.app.close()));
    },
  };
}

/** POST a JSON body with fetch (keep-alive, cheap enough for thousands of calls). */
export async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until every instance has a live connection to each named node again (after a restart). */
export async function waitForNodesUp(cluster: LockCluster, names: readonly string[]): Promise<void> {
  for (const instance of cluster.instances) {
    await waitFor(`${instance.name} sees ${names.join(', ')} up`, async () => {
      const stats = await get(`${instance.url}/stats`);
      const nodes = stats.body.nodes as { node: string; isUp: boolean }[];
      return names.every((n) => nodes.find((s) => s.node === n)?.isUp) ? true : undefined;
    });
  }
}

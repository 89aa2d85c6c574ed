import { afterAll, describe, expect, it } from 'vitest';
import { isPidAlive } from '../process/pid-control.ts';
import { EtcdNotFoundError, resolveEtcdBin } from '../process/etcd-binary.ts';
import { startEtcdCluster, stopAllEtcd } from './etcd-harness.ts';

afterAll(stopAllEtcd);

/** The v3 JSON gateway takes keys and values in base64. */
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** One put attempt: true when the member applied it, false when it refused or did not answer in time. */
async function tryPut(endpoint: string, key: string, value: string, timeoutMs = 3_000): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: b64(key), value: b64(value) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function put(endpoint: string, key: string, value: string): Promise<void> {
  expect(await tryPut(endpoint, key, value, 5_000)).toBe(true);
}

async function get(endpoint: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key) }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

describe('startEtcdCluster', () => {
  it('when started, then three members elect a leader and serve writes; a paused leader is replaced', async () => {
    const cluster = await startEtcdCluster();
    expect(cluster.members).toHaveLength(3);
    expect(cluster.endpoints.every((url) => url.startsWith('http://127.0.0.1:'))).toBe(true);
    const leader = await cluster.leader();
    const follower = cluster.members.find((m) => m !== leader);
    if (!follower) throw new Error('no follower');
    await put(follower.clientUrl, 'greeting', 'hello');
    expect(await get(leader.clientUrl, 'greeting')).toBe('hello');

    // A paused leader sends no heartbeats: the others elect a new one, and it follows once resumed.
    leader.pause();
    const next = await cluster.leader();
    expect(next.name).not.toBe(leader.name);
    leader.resume();
    // The resumed member still believes it leads until it hears the higher term, and on a loaded
    // machine that can outlast one request's timeout (CI saw a 5 s put time out): retry until it follows.
    await expect
      .poll(() => tryPut(leader.clientUrl, 'after-pause', 'yes'), { timeout: 30_000, interval: 500 })
      .toBe(true);
    expect(await get(next.clientUrl, 'after-pause')).toBe('yes');
    await cluster.stop();
    expect(cluster.members.every((m) => !m.isRunning)).toBe(true);
  });

  it('when the leader is killed, then another member becomes leader; restarting it keeps its keys', async () => {
    const cluster = await startEtcdCluster();
    const first = await cluster.leader();
    await put(first.clientUrl, 'kept', 'across a restart');
    const pid = first.pid ?? 0;
    await first.kill();
    expect(isPidAlive(pid)).toBe(false);
    const second = await cluster.leader();
    expect(second.name).not.toBe(first.name);

    await first.restart();
    expect(first.pid).not.toBe(pid);
    // Read from the restarted member itself: the key comes from its own data dir and the log it catches up.
    await expect.poll(() => get(first.clientUrl, 'kept'), { timeout: 10_000 }).toBe('across a restart');
    await cluster.stop();
  });
});

describe('resolveEtcdBin', () => {
  it('when etcd is not on PATH, then the error says how to install it', () => {
    expect(() => resolveEtcdBin({ PATH: '/nonexistent' })).toThrow(EtcdNotFoundError);
    expect(() => resolveEtcdBin({ PATH: '/nonexistent' })).toThrow(
      /apt-get install -y etcd-server etcd-client/,
    );
    expect(() => resolveEtcdBin({ ETCD_BIN: '/nonexistent/etcd' })).toThrow(/ETCD_BIN=/);
  });
});

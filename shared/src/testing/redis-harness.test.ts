import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isPidAlive, waitForPidExit } from '../process/pid-control.ts';
import { RedisServerNotFoundError } from '../process/redis-binary.ts';
import { pingRedis, sendRedisCommand } from '../process/resp-client.ts';
import { startRedis, startRedisCluster, stopAllRedis } from './redis-harness.ts';

afterAll(stopAllRedis);

describe('startRedis', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('when started, then it answers PING on a loopback port with DEBUG enabled', async () => {
    const redis = await startRedis({ name: 'plain' });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await sendRedisCommand(redis.port, ['PING'])).toBe('PONG');
    expect(await sendRedisCommand(redis.port, ['DEBUG', 'SLEEP', '0'])).toBe('OK');
    expect(await sendRedisCommand(redis.port, ['CONFIG', 'GET', 'save'])).toEqual(['save', '']);
    await redis.stop();
  });

  it('when a node is killed, then PING fails at once and restart() brings it back on the same port', async () => {
    const redis = await startRedis();
    const { port, pid: firstPid } = redis;
    await redis.kill();
    expect(redis.pid).toBeUndefined();
    expect(isPidAlive(firstPid ?? 0)).toBe(false);
    const startedAt = performance.now();
    await expect(sendRedisCommand(port, ['PING'], { timeoutMs: 30_000 })).rejects.toThrow(/ECONNREFUSED/);
    // Refused, not waited out: far inside the timeout even on a loaded machine.
    expect(performance.now() - startedAt).toBeLessThan(10_000);

    await redis.restart();
    expect(redis.port).toBe(port);
    expect(redis.pid).not.toBe(firstPid);
    expect(await sendRedisCommand(port, ['PING'])).toBe('PONG');
    await redis.stop();
  });

  it('when a node is paused, then it does not answer within 300 ms, and answers after resume', async () => {
    const redis = await startRedis();
    redis.pause();
    expect(redis.isPaused).toBe(true);
    expect(await pingRedis(redis.port, { timeoutMs: 300 })).toBe(false);
    redis.resume();
    expect(await pingRedis(redis.port, { timeoutMs: 300 })).toBe(true);
    await redis.stop();
  });

  it('when a running node is restarted, then it keeps its port and dir and gets a new pid', async () => {
    const redis = await startRedis({ appendOnly: true });
    const firstPid = redis.pid;
    await sendRedisCommand(redis.port, ['SET', 'lab:test:k', 'v1']);
    await redis.restart();
    expect(redis.pid).not.toBe(firstPid);
    expect(await sendRedisCommand(redis.port, ['GET', 'lab:test:k'])).toBe('v1');
    await redis.stop();
  });

  it('an append-only node keeps an acknowledged write through SIGKILL and restart', async () => {
    const redis = await startRedis({ appendOnly: true });
    await sendRedisCommand(redis.port, ['SET', 'lab:test:k', 'survives']);
    await redis.kill();
    await redis.restart();
    expect(await sendRedisCommand(redis.port, ['GET', 'lab:test:k'])).toBe('survives');
    await redis.stop();
  });

  it('when REDIS_SERVER_BIN points at a missing file, then startRedis says how to install redis-server', async () => {
    vi.stubEnv('REDIS_SERVER_BIN', '/nonexistent/redis-server');
    const failure = startRedis();
    await expect(failure).rejects.toBeInstanceOf(RedisServerNotFoundError);
    await expect(failure).rejects.toThrow(/REDIS_SERVER_BIN=\/nonexistent\/redis-server/);
    await expect(failure).rejects.toThrow(/apt install redis-server/);
    await expect(failure).rejects.toThrow(/brew install redis/);
  });

  it('when given a port that is taken, then it fails with the bind error and leaves no process', async () => {
    const holder = await startRedis();
    await expect(startRedis({ port: holder.port, readyTimeoutMs: 3_000 })).rejects.toThrow(
      /exited during start-up[\s\S]*Address already in use/,
    );
    await holder.stop();
  });
});

describe('startRedisCluster', () => {
  it('starts one node per name on distinct ports, and a replica follows its master', async () => {
    const [a, b] = await startRedisCluster(['node-a', 'node-b']);
    if (!a || !b) throw new Error('expected two nodes');
    expect([a.name, b.name]).toEqual(['node-a', 'node-b']);
    expect(a.port).not.toBe(b.port);

    const replica = await startRedis({ name: 'node-a-replica', replicaOf: a });
    await sendRedisCommand(a.port, ['SET', 'lab:test:replicated', 'yes']);
    await vi.waitFor(
      async () => {
        expect(await sendRedisCommand(replica.port, ['GET', 'lab:test:replicated'])).toBe('yes');
      },
      { timeout: 5_000, interval: 50 },
    );
    await stopAllRedis();
  });
});

describe('cleanup', () => {
  it('when stopAllRedis runs, then no process it started is left and their dirs are gone', async () => {
    const nodes = await startRedisCluster(['x', 'y', 'z']);
    nodes[1]?.pause();
    const pids = nodes.map((n) => n.pid ?? 0);
    await stopAllRedis();
    for (const pid of pids) expect(isPidAlive(pid)).toBe(false);
    for (const node of nodes) expect(existsSync(node.dir)).toBe(false);
  });

  it('when the test process is killed outright, then its reaper kills its redis-servers', async () => {
    const harnessUrl = new URL('./redis-harness.ts', import.meta.url).href;
    const script = `import { startRedis } from ${JSON.stringify(harnessUrl)};
      const redis = await startRedis(); console.log(redis.pid); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const redisPid = Number(line);
    expect(isPidAlive(redisPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitForPidExit(redisPid, 3_000)).toBe(true);
  });
});

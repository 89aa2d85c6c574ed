import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startRedis, stopAllRedis } from '../testing/index.ts';
import type { RedisHandle } from '../testing/index.ts';

const sharedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts the kit demo's main.ts as the runner would, and resolves once /healthz answers. */
async function startDemo(redis: RedisHandle, extraEnv: Record<string, string> = {}) {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts'], {
    cwd: sharedDir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_NODES: `demo-redis=${redis.url}`,
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`demo did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, exited, output: () => output };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}

describe('runService: graceful shutdown', () => {
  let redis: RedisHandle;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis({ name: 'run-service' });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await stopAllRedis();
  });

  it('when the service gets SIGTERM, then it closes and exits 0', async () => {
    const demo = await startDemo(redis);
    children.push(demo.child);
    demo.child.kill('SIGTERM');
    expect(await within(demo.exited, 5_000)).toBe(0);
    expect(demo.output()).toContain('shutting down');
  });

  it('when the lab runner that started it disappears, then the service exits on its own', async () => {
    const runner = spawn('sleep', ['30']);
    const demo = await startDemo(redis, { LAB_PARENT_PID: String(runner.pid) });
    children.push(demo.child, runner);
    runner.kill('SIGKILL');
    expect(await within(demo.exited, 5_000)).toBe(0);
    expect(demo.output()).toMatch(/lab runner \d+ is gone/);
  });
});

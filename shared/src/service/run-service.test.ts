import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceProcess } from '../lab/service-process.ts';
import type { ProcessExit } from '../process/managed-process.ts';
import { findFreePort, startRedis, stopAllRedis } from '../testing/index.ts';
import type { RedisHandle } from '../testing/index.ts';

const sharedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The kit demo's main.ts, started exactly as the lab runner starts a service. */
async function startDemo(redis: RedisHandle, extraEnv: Record<string, string> = {}) {
  const lines: string[] = [];
  let resolveExit: (exit: ProcessExit) => void = () => undefined;
  const exited = new Promise<ProcessExit>((resolve) => (resolveExit = resolve));
  const port = await findFreePort();
  const demo = new ServiceProcess({
    name: 'kit-demo',
    port,
    cwd: sharedDir,
    entry: path.join(sharedDir, 'src/demo/main.ts'),
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_NODES: `demo-redis=${redis.url}`,
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
    readyTimeoutMs: 20_000,
    onOutput: (line) => lines.push(line),
    onExit: resolveExit,
  });
  await demo.start();
  return { demo, exited, output: () => lines.join('\n') };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}

describe('runService: graceful shutdown', () => {
  let redis: RedisHandle;
  const started: ServiceProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis({ name: 'run-service' });
  });
  afterAll(async () => {
    await Promise.all(started.map((demo) => demo.kill()));
    await stopAllRedis();
  });

  it('when the service gets SIGTERM, then it closes and exits 0', async () => {
    const { demo, exited, output } = await startDemo(redis);
    started.push(demo);
    process.kill(demo.pid ?? 0, 'SIGTERM');
    expect(await within(exited, 5_000)).toMatchObject({ code: 0 });
    expect(output()).toContain('shutting down');
  });

  it('when the lab runner that started it disappears, then the service exits on its own', async () => {
    const runner = spawn('sleep', ['30']);
    const { demo, exited, output } = await startDemo(redis, { LAB_PARENT_PID: String(runner.pid) });
    started.push(demo);
    runner.kill('SIGKILL');
    expect(await within(exited, 5_000)).toMatchObject({ code: 0 });
    expect(output()).toMatch(/lab runner \d+ is gone/);
  });
});

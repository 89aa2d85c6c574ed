import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisNode } from '@kvs-lab/shared/redis';
import { findFreePort } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import type { LineStreamsApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import type { StreamSettings } from '../src/config.ts';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/** A real worker process (`src/main.ts` with ROLE=worker), as the lab runner starts one. */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  readonly output: string[] = [];
  readonly name: string;
  readonly port: number;
  private readonly env: Record<string, string>;

  private constructor(name: string, port: number, env: Record<string, string>) {
    this.name = name;
    this.port = port;
    this.env = env;
  }

  static async create(
    name: string,
    redis: RedisHandle,
    env: Record<string, string> = {},
  ): Promise<WorkerProcess> {
    const port = await findFreePort();
    return new WorkerProcess(name, port, {
      SERVICE_NAME: name,
      ROLE: 'worker',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_NODES: `streams-redis=${redis.url}`,
      LOG_LEVEL: 'warn',
      ...env,
    });
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'src/main.ts'], {
      cwd: packageDir,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited: ${this.output.join('')}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`${this.name} did not answer /healthz within ${timeoutMs} ms`);
  }

  /** SIGKILL: no shutdown code runs; whatever it held stays in the PEL. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

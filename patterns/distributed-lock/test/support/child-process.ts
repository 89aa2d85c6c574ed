import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { findFreePort } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { lockNodeNames } from './distributed-lock-lab.ts';

const patternDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A real child process; `kill` sends SIGKILL by pid (a crash). */
export interface Child {
  readonly process: ChildProcess;
  readonly url?: string;
  kill(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const killer = (child: ChildProcess) => async () => {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    process.kill(child.pid, 'SIGKILL');
  }
  await exited(child);
};

/** Runs the real service (src/main.ts) in its own process (the kit's ServiceProcess) against the test's redis-servers. */
export async function startServiceProcess(
  name: string,
  lockRedis: readonly RedisHandle[],
  storeRedis: RedisHandle,
  env: Record<string, string> = {},
): Promise<{ url: string; kill(): Promise<void> }> {
  const port = await findFreePort();
  const redisNodes = [
    ...lockRedis.map((h, i) => `${lockNodeNames[i]}=${h.url}`),
    `fenced-store=${storeRedis.url}`,
  ].join(',');
  const child = new ServiceProcess({
    name,
    port,
    cwd: patternDir,
    entry: path.join(patternDir, 'src', 'main.ts'),
    // LAB_PARENT_PID: the service exits by itself if this test process dies first.
    env: {
      LAB_PARENT_PID: String(process.pid),
      SERVICE_NAME: name,
      PORT: String(port),
      REDIS_NODES: redisNodes,
      LOG_LEVEL: 'warn',
      ...env,
    },
    // A loaded 2-core CI machine can take long to start tsx.
    readyTimeoutMs: 30_000,
  });
  await child.start();
  return { url: `http://127.0.0.1:${port}`, kill: () => child.kill() };
}

/**
 * A lock client in its own process: it acquires `resource` through `serviceUrl`,
 * prints the lease as one JSON line, then holds it until killed (or until the
 * test process goes away: it lives only as long as its stdin pipe).
 */
export async function startHolderProcess(
  serviceUrl: string,
  resource: string,
  body: { ttlMs: number; owner: string },
): Promise<Child & { lease: Record<string, unknown> }> {
  const script = `
    const res = await fetch(${JSON.stringify(`${serviceUrl}/locks/${resource}`)}, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(body))},
    });
    console.log(JSON.stringify({ status: res.status, body: await res.json() }));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) resolve(buffer.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  const reply = JSON.parse(line) as { status: number; body: Record<string, unknown> };
  if (reply.status !== 201) throw new Error(`holder did not get the lock: ${line}`);
  return { process: child, lease: reply.body, kill: killer(child) };
}

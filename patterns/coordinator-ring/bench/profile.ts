/**
 * CPU profiles of a 3-node ring under one load, for finding where a write or a read spends its time:
 *
 *   pnpm --filter @kvs-lab/coordinator-ring exec tsx bench/profile.ts [put|get|idle] [seconds] [profile dir]
 *
 * Starts three nodes directly as `node --cpu-prof` (the profiler is refused in NODE_OPTIONS), each over
 * its own AOF Redis, loads the leader with autocannon (50 connections), stops the nodes with SIGTERM so
 * they write their profiles, then prints each node's self time grouped by where the code lives.
 * Open the `.cpuprofile` files in Chrome DevTools for the call trees.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from '@kvs-lab/shared/bench';
import type { LoadResult } from '@kvs-lab/shared/bench';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import { call, uniqueFreePorts } from '../test/support/coordinator-ring-lab.ts';
import { summariseProfile } from './profile-summary.ts';
import type { CpuProfile } from './profile-summary.ts';

const [kind = 'put', secondsText = '5', dirArg] = process.argv.slice(2);
const seconds = Number(secondsText);
const noLoad: LoadResult = {
  requestsPerSecond: 0,
  latencyP50Ms: 0,
  latencyP99Ms: 0,
  total: 0,
  errors: 0,
  non2xx: 0,
};
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const profileDir = path.resolve(dirArg ?? `/tmp/coordinator-ring-profile-${Date.now()}`);
mkdirSync(profileDir, { recursive: true });

const names = ['ring-1', 'ring-2', 'ring-3'];
const ports = await uniqueFreePorts(names.length);
const redises = await Promise.all(names.map((n) => startRedis({ name: `${n}-redis`, appendOnly: true })));
const secret = randomBytes(16).toString('hex');
const spawnedAt = performance.now();
let loadWindowMs: [number, number] = [0, Infinity];
const children: ChildProcess[] = names.map((name, i) =>
  spawn(
    process.execPath,
    [
      '--cpu-prof',
      // One folder per node: tsx's loader thread writes a profile of its own beside the main thread's.
      `--cpu-prof-dir=${path.join(profileDir, name)}`,
      '--import',
      import.meta.resolve('tsx'),
      path.join(packageDir, 'src/main.ts'),
    ],
    {
      cwd: packageDir,
      // The nodes' request logs (a write cut short by the shutdown is logged) are not the point here.
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        SERVICE_NAME: name,
        PORT: String(ports[i]),
        REDIS_NODES: `${name}-redis=${redises[i]?.url}`,
        PEERS: names
          .flatMap((other, j) => (other === name ? [] : [`${other}=http://127.0.0.1:${ports[j]}`]))
          .join(','),
        CLUSTER_SECRET: secret,
        LOG_LEVEL: 'warn',
      },
    },
  ),
);

let leaderId = '';
try {
  let leader: { url: string; id: string } | undefined;
  while (!leader) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const port of ports) {
      const reply = await call(`http://127.0.0.1:${port}/status`);
      if (reply?.body.role === 'leader')
        leader = { url: `http://127.0.0.1:${port}`, id: String(reply.body.id) };
    }
  }
  leaderId = leader.id;
  await call(`${leader.url}/kv/bench`, 'PUT', { value: 'x' });
  loadWindowMs = [performance.now() - spawnedAt, 0];
  // `idle`: no load, to see what gossip and heartbeats cost a node that serves nothing.
  const result: LoadResult =
    kind === 'idle'
      ? await sleep(seconds * 1_000, { ...noLoad })
      : await runLoad(
          kind === 'get'
            ? { url: `${leader.url}/kv/bench`, durationSeconds: seconds }
            : {
                url: `${leader.url}/kv/bench`,
                method: 'PUT',
                body: { value: 'x' },
                durationSeconds: seconds,
              },
        );
  loadWindowMs[1] = performance.now() - spawnedAt;
  const history = await call(`${leader.url}/history?limit=10000`, 'GET', undefined, 10_000);
  const refusals = new Map<string, number>();
  for (const op of (history?.body.operations as { outcome?: string; reason?: string }[] | undefined) ?? []) {
    if (op.outcome === 'ok') continue;
    const reason = `${op.outcome ?? 'pending'} ${op.reason ?? ''}`.slice(0, 120);
    refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
  }
  for (const [reason, count] of refusals) console.log(`  not ok x${count}: ${reason}`);
  const counters = (await call(`${leader.url}/stats`))?.body.counters as Record<string, number> | undefined;
  if (counters) {
    const perMessage = (counters.entriesAppended ?? 0) / Math.max(1, counters.appendEntriesSent ?? 0);
    console.log(`  leader: ${JSON.stringify(counters)}; ${perMessage.toFixed(1)} entries per AppendEntries`);
  }
  console.log(
    `${kind.toUpperCase()} via the leader ${leader.id}: ${Math.round(result.requestsPerSecond)} req/s, ` +
      `p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
  );
  // The writes autocannon left in flight finish before the nodes stop.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
} finally {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await stopAllRedis();
}

for (const name of names) {
  // The main thread's profile is the largest of the node's folder (the loader thread's is small).
  const dir = path.join(profileDir, name);
  const [file] = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, size: statSync(path.join(dir, f)).size }))
    .sort((a, b) => b.size - a.size);
  if (!file) continue;
  console.log(`\n${name}${name === leaderId ? ' (leader)' : ''}: ${path.join(dir, file.f)}`);
  console.log(
    summariseProfile(JSON.parse(readFileSync(path.join(dir, file.f), 'utf8')) as CpuProfile, loadWindowMs),
  );
}

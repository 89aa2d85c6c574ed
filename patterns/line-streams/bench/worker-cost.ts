import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { RedisNode } from '@kvs-lab/shared/redis';
import { findFreePort, startRedis } from '@kvs-lab/shared/testing';
import { keys } from '../src/store/keys.ts';
import { StreamStore } from '../src/store/stream-store.ts';
import { packageDir } from '../test/support/worker-process.ts';
import { members, rooms } from './bench-setup.ts';

/**
 * What the two workers cost per message, in CPU, at a steady send rate: the figure behind the end-to-end
 * row. Throughput on a shared 2-core machine moves with whatever else runs; CPU time per message does not
 * (much), so this is how a change to the worker is judged. The sends go straight through send.lua (no HTTP),
 * paced at --rate messages per second over the 20 bench rooms, first without workers (Redis's cost of the
 * sends alone), then with two worker processes; what the second phase adds in Redis is the workers' share.
 *
 *   pnpm exec tsx patterns/line-streams/bench/worker-cost.ts --rate 2000 --seconds 8 [--entry <main.ts>]
 *
 * --entry starts the workers from another copy of src/main.ts (an A/B against older code).
 */

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const rate = Number(argument('rate', '2000'));
const seconds = Number(argument('seconds', '8'));
const entry = path.resolve(argument('entry', path.join(packageDir, 'src/main.ts')));
/** --env K=V,K2=V2: settings for the workers (READ_LINGER_MS=50, say). */
const workerEnv = Object.fromEntries(
  argument('env', '')
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
/** --preload <file.mjs>: imported by each worker first (a CPU profiler, say); sent SIGUSR2 as the load starts and ends. */
const preload = argument('preload', '');

const clockTicksPerSecond = 100;

/** user and system CPU of a process and all its threads, in ms (/proc/<pid>/stat fields 14 and 15). */
function processCpu(pid: number): { userMs: number; systemMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    userMs: (Number(fields[11]) * 1000) / clockTicksPerSecond,
    systemMs: (Number(fields[12]) * 1000) / clockTicksPerSecond,
  };
}
const processCpuMs = (pid: number): number => {
  const { userMs, systemMs } = processCpu(pid);
  return userMs + systemMs;
};

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (value('used_cpu_sys') + value('used_cpu_user')) * 1000;
}

async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match) stats.set(match[1] ?? '', { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

const redisServer = await startRedis({ name: 'bench-line-streams-cost' });
const raw = new Redis(redisServer.url);
// A generous timeout: the kit's 200 ms would cut the sends on a loaded machine.
const node = new RedisNode(
  { name: 'streams-redis', url: redisServer.url, host: redisServer.host, port: redisServer.port },
  { commandTimeoutMs: 10_000 },
);
await node.ready();
const store = new StreamStore(node);
const limits = {
  maxLen: 1_000_000,
  maxAgeMs: 0,
  deadLetterMaxLen: 10_000,
  replaysMaxLen: 10_000,
  dedupTtlMs: 86_400_000,
  rateLimit: 0,
  rateWindowMs: 1_000,
  group: 'delivery',
};
for (const room of rooms) await raw.sadd(keys.members(room), ...members);
for (const room of rooms) await raw.sadd(keys.rooms, room);

/** Sends at `rate` for `seconds`, in ticks of 10 ms; answers how many were sent. */
async function sendAtRate(): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    const batch: Promise<unknown>[] = [];
    for (; sent < due; sent += 1) {
      const room = rooms[sent % rooms.length] ?? 'bench-0';
      batch.push(
        store.rooms.send(room, { senderId: 'alice', text: 'bench message', sentAt: Date.now() }, limits),
      );
    }
    await Promise.all(batch);
    await sleep(10);
  }
  return sent;
}

async function phase(label: string, pids: readonly number[]) {
  if (preload) for (const pid of pids) process.kill(pid, 'SIGUSR2');
  const cpuBefore = pids.map(processCpuMs);
  const systemBefore = pids.map((pid) => processCpu(pid).systemMs);
  const redisBefore = await redisCpuMs(raw);
  const statsBefore = await commandStats(raw);
  await raw.hset(keys.counters, 'applied', 0);
  const sent = await sendAtRate();
  if (pids.length > 0) {
    for (let i = 0; i < 200 && Number(await raw.hget(keys.counters, 'applied')) < sent; i += 1)
      await sleep(20);
  }
  const workerMs = pids.map((pid, i) => processCpuMs(pid) - (cpuBefore[i] ?? 0));
  const workerSystemMs = pids.map((pid, i) => processCpu(pid).systemMs - (systemBefore[i] ?? 0));
  if (preload) for (const pid of pids) process.kill(pid, 'SIGUSR2');
  const redisMs = (await redisCpuMs(raw)) - redisBefore;
  const statsAfter = await commandStats(raw);
  const commands = [...statsAfter]
    .map(([name, s]) => {
      const before = statsBefore.get(name) ?? { calls: 0, usec: 0 };
      return { name, calls: s.calls - before.calls, usec: s.usec - before.usec };
    })
    .filter((c) => c.calls > 0 && c.name !== 'info' && c.name !== 'hget' && c.name !== 'hset')
    .sort((a, b) => b.usec - a.usec);
  const applied = Number(await raw.hget(keys.counters, 'applied'));
  console.log(
    `${label}: sent ${sent}, applied ${applied}; workers ${workerMs.map((ms) => ms.toFixed(0)).join(' + ')} ms ` +
      `= ${((workerMs.reduce((a, b) => a + b, 0) * 1000) / sent).toFixed(1)} µs/msg ` +
      `(system ${workerSystemMs.map((ms) => ms.toFixed(0)).join(' + ')} ms); ` +
      `redis ${redisMs.toFixed(0)} ms = ${((redisMs * 1000) / sent).toFixed(1)} µs/msg`,
  );
  for (const c of commands.slice(0, 12))
    console.log(
      `  ${c.name.padEnd(14)} ${String(c.calls).padStart(7)} calls ${(c.usec / sent).toFixed(2).padStart(7)} µs/msg`,
    );
  return { sent, redisMs };
}

const workers: ServiceProcess[] = [];
try {
  const alone = await phase('sends only', []);
  for (const room of rooms) await raw.xtrim(keys.stream(room), 'MAXLEN', 0);
  for (const name of ['worker-1', 'worker-2']) {
    const port = await findFreePort();
    const worker = new ServiceProcess({
      name,
      port,
      cwd: packageDir,
      entry,
      env: {
        SERVICE_NAME: name,
        ROLE: 'worker',
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_NODES: `streams-redis=${redisServer.url}`,
        LOG_LEVEL: 'warn',
        INBOX_MAX_LEN: '1000000',
        LAB_PARENT_PID: String(process.pid),
        ...workerEnv,
        ...(preload ? { NODE_OPTIONS: `--import ${preload}` } : {}),
      },
      readyTimeoutMs: 30_000,
    });
    workers.push(worker);
    await worker.start();
  }
  const pids = workers.map((w) => w.pid ?? 0);
  await sleep(1_000);
  const idleBefore = pids.map(processCpuMs);
  await sleep(2_000);
  console.log(
    `idle workers: ${pids.map((pid, i) => (processCpuMs(pid) - (idleBefore[i] ?? 0)).toFixed(0)).join(' + ')} ms in 2 s`,
  );
  const both = await phase('sends + 2 workers', pids);
  console.log(
    `workers' share of Redis: ${((both.redisMs / both.sent - alone.redisMs / alone.sent) * 1000).toFixed(1)} µs/msg`,
  );
  for (const w of workers) {
    const stats = (await (await fetch(`http://127.0.0.1:${w.options.port}/stats`)).json()) as {
      worker: Record<string, number>;
    };
    console.log(`${w.options.name}: ${JSON.stringify(stats.worker)}`);
  }
} finally {
  if (preload) await sleep(2_000);
  await Promise.all(workers.map((w) => w.kill()));
  raw.disconnect();
  await node.close();
  await redisServer.stop();
}

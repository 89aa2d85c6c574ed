/**
 * CPU time per acquire+release cycle, by process: the load generator (this process), the service
 * and the five lock nodes. On a shared, busy machine cycles per second say what the machine had left
 * to give; CPU per cycle says what a cycle costs, and on two cores it bounds the throughput ratio.
 *
 *   pnpm --filter @kvs-lab/distributed-lock exec tsx bench/cpu-per-cycle.ts [seconds] [rounds] [profile dir|-] [variant...]
 *
 * A variant is the service's environment as KEY=value pairs joined by commas (`AUTO_PIPELINING=off`;
 * `-` for the defaults; `PATTERN_DIR=<dir>` runs another copy of this folder, e.g. an older commit's,
 * with a link to this node_modules): each runs its own service and five nodes, measured interleaved
 * with the others. With a profile dir each service runs under `node --cpu-prof`, summarised at the end.
 * The ceiling rows run bench/ceiling-server.ts (the same two requests to bare Express, with no lock
 * work or around redlock) on the first variant's nodes; its process is counted in the service column
 * (and profiled too, under `ceiling`, with a profile dir).
 * `WORKLOADS=http,ceiling` in this process's environment keeps only the rows whose name contains one of
 * those words (a profile of one workload then says where that workload's time goes).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { runLoop } from '@kvs-lab/shared/bench';
import { findFreePort, startRedisCluster } from '@kvs-lab/shared/testing';
import { ceilingCycles, concurrency, contenders, cycles } from './cycles.ts';
import type { Cycles } from './cycles.ts';
import type { JsonCall } from './http-client.ts';
import { jsonClient } from './http-client.ts';
import { summariseProfile } from './profile-summary.ts';
import type { CpuProfile } from './profile-summary.ts';

const [seconds = 5, rounds = 3] = process.argv.slice(2, 4).map(Number);
const profileDir = process.argv[4] && process.argv[4] !== '-' ? path.resolve(process.argv[4]) : undefined;
const patternDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockNodeNames = ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5'];
const clockTicksPerSecond = 100;

/** utime + stime of a process, in µs (Linux /proc). */
function cpuOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond;
}

const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function answersHealthz(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get(`${url}/healthz`, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

interface Variant {
  readonly label: string;
  readonly cycle: Cycles;
  readonly servicePid: number;
  readonly nodePids: readonly number[];
  readonly lockUrls: readonly string[];
  readonly stop: () => Promise<void>;
}

/** A child process that answers /healthz, stopped with SIGTERM. */
async function startServer(
  entry: string,
  cwd: string,
  env: Record<string, string>,
  extraArgs: string[] = [],
) {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...extraArgs, '--import', import.meta.resolve('tsx'), entry], {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${entry} did not start`);
  while (!(await answersHealthz(url))) await sleep(100);
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, pid, stop };
}

/** One service with its own five lock nodes (so no variant's fencing counters go stale under another). */
async function startVariant(
  label: string,
  { PATTERN_DIR: dir = patternDir, ...env }: Record<string, string>,
  call: JsonCall,
): Promise<Variant> {
  const [store, ...locks] = await startRedisCluster(['fenced-store', ...lockNodeNames]);
  if (!store) throw new Error('no store');
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, label)] : [];
  const service = await startServer(
    path.join(dir, 'src', 'main.ts'),
    dir,
    {
      ...env,
      SERVICE_NAME: 'lock-a',
      REDIS_NODES: [...locks.map((h, i) => `${lockNodeNames[i]}=${h.url}`), `fenced-store=${store.url}`].join(
        ',',
      ),
    },
    profile,
  );
  const lockClients = locks.map((h) => new Redis(h.url, { maxRetriesPerRequest: 0 }));
  return {
    label,
    cycle: cycles(lockClients, call, service.url),
    servicePid: service.pid,
    nodePids: locks.map((h) => h.pid).filter((pid): pid is number => pid !== undefined),
    lockUrls: locks.map((h) => h.url),
    stop: async () => {
      for (const c of lockClients) c.disconnect();
      await service.stop();
      await Promise.all([store, ...locks].map((h) => h.stop()));
    },
  };
}

const client = jsonClient(64);
// Each further argument is a variant: KEY=value pairs joined by commas ('-' for the defaults).
const variantArgs = process.argv.slice(5);
const variants: Variant[] = [];
for (const arg of variantArgs.length > 0 ? variantArgs : ['-']) {
  const env = Object.fromEntries(
    arg === '-' ? [] : arg.split(',').map((pair) => pair.split('=') as [string, string]),
  );
  variants.push(await startVariant(arg === '-' ? 'defaults' : arg, env, client.call));
}
interface Run {
  readonly key: string;
  readonly operation: () => Promise<void>;
  readonly loops: number;
  /** The run whose total CPU per cycle this one is compared with (none: it is a baseline). */
  readonly baseline?: string;
  readonly servicePid: number;
  readonly nodePids: readonly number[];
}
const [first] = variants;
if (!first) throw new Error('no variant');
// The ceiling (bench/ceiling-server.ts: the same two requests to bare Express, with no lock work or
// around redlock) on the first variant's nodes, its process measured in the service column.
const ceiling = await startServer(
  path.join(patternDir, 'bench', 'ceiling-server.ts'),
  patternDir,
  { LOCK_NODES: first.lockUrls.join(',') },
  profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, 'ceiling')] : [],
);
const ceilingCycle = ceilingCycles(client.call, ceiling.url);
const direct = 'redlock direct';
const directContended = 'redlock, 10 contenders';
const on = (v: Variant) => ({ servicePid: v.servicePid, nodePids: v.nodePids });
const onCeiling = { servicePid: ceiling.pid, nodePids: first.nodePids };
// The baselines do not touch the service: measured once, on the first variant's nodes.
const allRuns: Run[] = [
  { key: direct, operation: first.cycle.redlockDirect, loops: concurrency, ...on(first) },
  {
    key: 'ceiling: 2 bare Express requests',
    operation: ceilingCycle.bare,
    loops: concurrency,
    baseline: direct,
    ...onCeiling,
  },
  {
    key: 'ceiling: Express around redlock',
    operation: ceilingCycle.redlock,
    loops: concurrency,
    baseline: direct,
    ...onCeiling,
  },
  ...variants.map((v) => ({
    key: `HTTP acquire+release [${v.label}]`,
    operation: v.cycle.http,
    loops: concurrency,
    baseline: direct,
    ...on(v),
  })),
  { key: directContended, operation: first.cycle.redlockContended, loops: contenders, ...on(first) },
  {
    key: 'ceiling: around redlock, 10 contenders',
    operation: ceilingCycle.redlockContended,
    loops: contenders,
    baseline: directContended,
    ...onCeiling,
  },
  ...variants.map((v) => ({
    key: `HTTP, 10 contenders, FIFO [${v.label}]`,
    operation: v.cycle.httpContended,
    loops: contenders,
    baseline: directContended,
    ...on(v),
  })),
];
const wanted = process.env.WORKLOADS?.split(',').filter((w) => w !== '');
const runs = wanted ? allRuns.filter((r) => wanted.some((w) => r.key.includes(w))) : allRuns;

interface Sample {
  cyclesPerSecond: number;
  generator: number;
  service: number;
  nodes: number;
}
const samples = new Map<string, Sample[]>(runs.map((r) => [r.key, []]));
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
try {
  for (let round = 0; round < rounds; round++) {
    for (const { key, operation, loops, servicePid, nodePids } of runs) {
      // The first round also warms the JIT and the connections.
      if (round === 0) await runLoop(operation, { concurrency: loops, durationMs: 1_000 });
      const before = { own: ownCpu(), service: cpuOfPid(servicePid), nodes: nodePids.map(cpuOfPid) };
      const result = await runLoop(operation, { concurrency: loops, durationMs: seconds * 1_000 });
      const done = Math.max(1, result.total);
      samples.get(key)?.push({
        cyclesPerSecond: result.requestsPerSecond,
        generator: (ownCpu() - before.own) / done,
        service: (cpuOfPid(servicePid) - before.service) / done,
        nodes: nodePids.reduce((sum, pid, i) => sum + cpuOfPid(pid) - (before.nodes[i] ?? 0), 0) / done,
      });
    }
  }
  console.log(`CPU µs per cycle, medians of ${rounds} rounds of ${seconds} s (2 cores shared by all):`);
  console.log(`${'workload'.padEnd(48)}  cycles/s generator  service  5 nodes    total  CPU-bound ratio`);
  const totals = new Map<string, number>();
  for (const { key, baseline } of runs) {
    const s = samples.get(key) ?? [];
    const m = (pick: (x: Sample) => number) => median(s.map(pick));
    const total = m((x) => x.generator + x.service + x.nodes);
    totals.set(key, total);
    const cells = [
      m((x) => x.cyclesPerSecond),
      m((x) => x.generator),
      m((x) => x.service),
      m((x) => x.nodes),
    ];
    const base = baseline === undefined ? undefined : totals.get(baseline);
    const ratio = base === undefined ? '' : `${((100 * base) / total).toFixed(0)} %`;
    console.log(
      `${key.padEnd(48)}${cells.map((c) => c.toFixed(0).padStart(9)).join('')}${total.toFixed(0).padStart(9)}  ${ratio}`,
    );
  }
} finally {
  client.close();
  await ceiling.stop();
  for (const v of variants) await v.stop();
}
for (const label of profileDir ? [...variants.map((v) => v.label), 'ceiling'] : []) {
  const dir = path.join(profileDir ?? '', label);
  // The largest profile is the main thread's (tsx's loader thread writes one too).
  const main = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, size: statSync(path.join(dir, f)).size }))
    .sort((a, b) => b.size - a.size)[0]?.f;
  if (main) {
    console.log(`\nprofile [${label}] ${path.join(dir, main)} (the workloads run):`);
    console.log(summariseProfile(JSON.parse(readFileSync(path.join(dir, main), 'utf8')) as CpuProfile));
  }
}

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
import { concurrency, contenders, cycles } from './cycles.ts';
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
  readonly stop: () => Promise<void>;
}

/** One service with its own five lock nodes (so no variant's fencing counters go stale under another). */
async function startVariant(
  label: string,
  { PATTERN_DIR: dir = patternDir, ...env }: Record<string, string>,
  call: JsonCall,
): Promise<Variant> {
  const [store, ...locks] = await startRedisCluster(['fenced-store', ...lockNodeNames]);
  if (!store) throw new Error('no store');
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, label)] : [];
  const service = spawn(
    process.execPath,
    [...profile, '--import', import.meta.resolve('tsx'), path.join(dir, 'src', 'main.ts')],
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...env,
        SERVICE_NAME: 'lock-a',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        REDIS_NODES: [
          ...locks.map((h, i) => `${lockNodeNames[i]}=${h.url}`),
          `fenced-store=${store.url}`,
        ].join(','),
      },
    },
  );
  const servicePid = service.pid;
  if (servicePid === undefined) throw new Error('the service did not start');
  while (!(await answersHealthz(url))) await sleep(100);
  const lockClients = locks.map((h) => new Redis(h.url, { maxRetriesPerRequest: 0 }));
  return {
    label,
    cycle: cycles(lockClients, call, url),
    servicePid,
    nodePids: locks.map((h) => h.pid).filter((pid): pid is number => pid !== undefined),
    stop: async () => {
      for (const c of lockClients) c.disconnect();
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
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
const workloads: { name: string; run: keyof Cycles; loops: number; isBaseline: boolean }[] = [
  { name: 'redlock direct', run: 'redlockDirect', loops: concurrency, isBaseline: true },
  { name: 'HTTP acquire+release', run: 'http', loops: concurrency, isBaseline: false },
  { name: 'redlock, 10 contenders', run: 'redlockContended', loops: contenders, isBaseline: true },
  { name: 'HTTP, 10 contenders, FIFO', run: 'httpContended', loops: contenders, isBaseline: false },
];
// The baselines do not touch the service: measured once, on the first variant's nodes.
const runs = variants.flatMap((v, i) =>
  workloads.filter((w) => i === 0 || !w.isBaseline).map((w) => ({ v, w, key: `${w.name} [${v.label}]` })),
);

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
    for (const { v, w, key } of runs) {
      // The first round also warms the JIT and the connections.
      if (round === 0) await runLoop(v.cycle[w.run], { concurrency: w.loops, durationMs: 1_000 });
      const before = { own: ownCpu(), service: cpuOfPid(v.servicePid), nodes: v.nodePids.map(cpuOfPid) };
      const result = await runLoop(v.cycle[w.run], { concurrency: w.loops, durationMs: seconds * 1_000 });
      const done = Math.max(1, result.total);
      samples.get(key)?.push({
        cyclesPerSecond: result.requestsPerSecond,
        generator: (ownCpu() - before.own) / done,
        service: (cpuOfPid(v.servicePid) - before.service) / done,
        nodes: v.nodePids.reduce((sum, pid, i) => sum + cpuOfPid(pid) - (before.nodes[i] ?? 0), 0) / done,
      });
    }
  }
  console.log(`CPU µs per cycle, medians of ${rounds} rounds of ${seconds} s (2 cores shared by all):`);
  console.log(`${'workload'.padEnd(48)}  cycles/s generator  service  5 nodes    total  CPU-bound ratio`);
  const totals = new Map<string, number>();
  for (const { w, key } of runs) {
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
    const baseline = runs.find((r) => r.w.isBaseline && r.w.loops === w.loops)?.key;
    const ratio =
      w.isBaseline || !baseline ? '' : `${((100 * (totals.get(baseline) ?? 0)) / total).toFixed(0)} %`;
    console.log(
      `${key.padEnd(48)}${cells.map((c) => c.toFixed(0).padStart(9)).join('')}${total.toFixed(0).padStart(9)}  ${ratio}`,
    );
  }
} finally {
  client.close();
  for (const v of variants) await v.stop();
}
for (const v of profileDir ? variants : []) {
  const dir = path.join(profileDir ?? '', v.label);
  // The largest profile is the main thread's (tsx's loader thread writes one too).
  const main = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, size: statSync(path.join(dir, f)).size }))
    .sort((a, b) => b.size - a.size)[0]?.f;
  if (main) {
    console.log(`\nservice profile [${v.label}] ${path.join(dir, main)} (all workloads):`);
    console.log(summariseProfile(JSON.parse(readFileSync(path.join(dir, main), 'utf8')) as CpuProfile));
  }
}

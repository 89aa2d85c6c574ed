import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { AntiEntropyService } from '../src/anti-entropy/anti-entropy-service.ts';
import { defaultSettingsFor } from '../src/settings.ts';
import { ReplicaStore } from '../src/store/replica-store.ts';
import { benchVersion, startReplicas } from './bench-replicas.ts';

/**
 * Where an anti-entropy round's time goes, step by step (not a benchmark):
 * `node --import tsx patterns/quorum-consistency/bench/profile-anti-entropy.ts 10000 0.01 5`
 * loads the keys on three replicas, makes the fraction newer on two of them before each round, and prints
 * each round's protocol steps with the milliseconds since the round started (add --cpu-prof for a profile).
 */
const [size = 10_000, fraction = 0.01, rounds = 5] = process.argv.slice(2, 5).map(Number);
// A fourth argument: write a CPU profile of the coordinator's rounds alone there (the copies are skipped).
const profilePath = process.argv[5];
const inspector = new Session();
inspector.connect();
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    inspector.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
const { redis, addresses } = await startReplicas();
const nodes = await connectRedisNodes(
  addresses,
  // A profile on a shared machine: the bulk load must not die of the 200 ms default.
  { commandTimeoutMs: 5_000 },
);
const stores = nodes.map((node) => new ReplicaStore(node));
let started = 0;
const steps: string[] = [];
const antiEntropy = new AntiEntropyService(stores, {
  settings: () => defaultSettingsFor(3),
  tombstoneGraceMs: 60_000,
  now: Date.now,
  hasPendingHints: () => Promise.resolve(false),
  emit: () => undefined,
  trace: (messages) => {
    const first = messages[0];
    if (first)
      steps.push(
        `${(performance.now() - started).toFixed(1)} ms ${first.kind} ${JSON.stringify(first.detail)}`,
      );
  },
});
/** CPU time a process has used so far, in ms (Linux clock ticks of 10 ms). */
function cpuMsOf(pid: number | undefined): number {
  const fields =
    readFileSync(`/proc/${pid ?? 0}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? [];
  return 10 * (Number(fields[11]) + Number(fields[12]));
}

/** Every command from now on goes to the replica's slow log (threshold 0): its execution time, by command. */
async function startCommandLog(node: RedisNode): Promise<void> {
  await node.client.config('SET', 'slowlog-log-slower-than', '0');
  await node.client.config('SET', 'slowlog-max-len', '100000');
  await node.client.slowlog('RESET');
}

/** The replicas' execution time per kind of command since startCommandLog, summed (logging then stops). */
async function commandTimes(all: readonly RedisNode[]): Promise<string> {
  const totals = new Map<string, { calls: number; us: number }>();
  for (const node of all) {
    const entries = (await node.client.slowlog('GET', '-1')) as [number, number, number, string[]][];
    await node.client.config('SET', 'slowlog-log-slower-than', '10000');
    for (const [, , us, args] of entries) {
      const [command = '', , , firstKey = '', ...rest] = args;
      // A script is named by its first key (and mode): the scripts' KEYS orders differ (store/scripts.ts).
      const name =
        command.toLowerCase() === 'evalsha'
          ? `script ${firstKey.replace('lab:quorum-consistency:', '').replace(/versions:.*/, 'versions:*')}${firstKey.endsWith('merkle:tree') ? ` ${rest[1] ?? ''}` : ''}`
          : command.toLowerCase();
      const total = totals.get(name) ?? { calls: 0, us: 0 };
      totals.set(name, { calls: total.calls + 1, us: total.us + us });
    }
  }
  return [...totals]
    .sort((a, b) => b[1].us - a[1].us)
    .map(([name, { calls, us }]) => `  redis ${name}: ${calls} calls, ${(us / 1000).toFixed(1)} ms`)
    .join('\n');
}

try {
  for (const store of stores)
    for (let at = 0; at < size; at += 1_000)
      await store.putVersionsMany(
        Array.from({ length: Math.min(1_000, size - at) }, (_, j) => ({
          key: `key-${at + j}`,
          versions: [benchVersion(at + j, 1)],
        })),
        'vector-clock',
      );
  const every = Math.round(1 / fraction);
  for (let round = 1; round <= rounds; round++) {
    const stale = Array.from({ length: size }, (_, i) => i)
      .filter((i) => i % every === round % every)
      .map((i) => ({ key: `key-${i}`, versions: [benchVersion(i, round + 1)] }));
    for (const store of stores.slice(0, 2)) await store.putVersionsMany(stale, 'vector-clock');
    steps.length = 0;
    if (round === rounds) await Promise.all(nodes.map((node) => startCommandLog(node)));
    if (profilePath)
      await post('Profiler.enable')
        // A round is tens of ms: sample every 100 us, not every 1 ms, to see its functions at all.
        .then(() => post('Profiler.setSamplingInterval', { interval: 100 }))
        .then(() => post('Profiler.start'));
    const cpuBefore = [process.cpuUsage(), redis.map((handle) => cpuMsOf(handle.pid))] as const;
    started = performance.now();
    const report = await antiEntropy.run();
    const ms = performance.now() - started;
    const coordinatorCpu = process.cpuUsage(cpuBefore[0]);
    const redisCpu = redis.map((handle, i) => cpuMsOf(handle.pid) - (cpuBefore[1][i] ?? 0));
    if (profilePath) {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      writeFileSync(`${profilePath}.${round}.cpuprofile`, JSON.stringify(profile));
    }
    if (round === rounds) console.log(await commandTimes(nodes));
    console.log(
      `round ${round}: ${ms.toFixed(1)} ms, ${report.keysRepaired} repaired, ${report.bytesMoved} bytes, ${report.rangesCompared} nodes read; CPU ms: coordinator ${((coordinatorCpu.user + coordinatorCpu.system) / 1000).toFixed(0)}, replicas ${redisCpu.join(' / ')}`,
    );
    if (round === rounds) console.log(steps.join('\n'));
    if (profilePath) continue;
    // A full copy of replica-1 to replica-3 beside it, as bench/index.ts times one.
    const copyStarted = performance.now();
    for (let at = 0; at < size; at += 500) {
      const batch = Array.from({ length: Math.min(500, size - at) }, (_, j) => `key-${at + j}`);
      const held = await stores[0]?.readVersionsMany(batch);
      await stores[2]?.putVersionsMany(
        batch.map((key) => ({ key, versions: held?.get(key) ?? [] })),
        'vector-clock',
      );
    }
    console.log(`  full copy: ${(performance.now() - copyStarted).toFixed(1)} ms`);
  }
} finally {
  await Promise.all(nodes.map((node) => node.close()));
  await Promise.all(redis.map((handle) => handle.stop()));
}

import { connectRedisNodes } from '@kvs-lab/shared/redis';
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
const [size = 10_000, fraction = 0.01, rounds = 5] = process.argv.slice(2).map(Number);
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
    started = performance.now();
    const report = await antiEntropy.run();
    const ms = performance.now() - started;
    console.log(
      `round ${round}: ${ms.toFixed(1)} ms, ${report.keysRepaired} repaired, ${report.bytesMoved} bytes, ${report.rangesCompared} nodes read`,
    );
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
    if (round === rounds) console.log(steps.join('\n'));
  }
} finally {
  await Promise.all(nodes.map((node) => node.close()));
  await Promise.all(redis.map((handle) => handle.stop()));
}

import { interleave, runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition, LoadResult } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { startRedisCluster } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import { AntiEntropyService } from '../src/anti-entropy-service.ts';
import { createApp } from '../src/app.ts';
import type { StoredVersion } from '../src/domain/versioned-value.ts';
import { defaultSettingsFor } from '../src/settings.ts';
import { ReplicaStore } from '../src/store/replica-store.ts';

const settings = defaultSettingsFor(3);

const atW = 'PUT /kv/{key} (N=3, W=2, answerAtQuorum)';
const antiEntropyKeys = 10_000;
const differingKeys = 100;

/**
 * Quorum PUT (W=2) and GET (R=2) over three real redis-servers, each beside an
 * Express route doing one Redis SET or GET in the same run; then the cost of
 * one anti-entropy round over 10,000 keys with 1 % differing, beside copying
 * every key to the stale replica.
 */
export const bench: BenchDefinition = {
  pattern: 'quorum-consistency',
  async run({ durationSeconds, rounds, progress }) {
    // Request logs would measure the terminal, not the coordinator.
    process.env.LOG_LEVEL ??= 'warn';
    const redis = await startRedisCluster(['replica-1', 'replica-2', 'replica-3']);
    const addresses = redis.map((handle, i) => ({
      name: `replica-${i + 1}`,
      url: handle.url,
      host: handle.host,
      port: handle.port,
    }));
    const app = createApp({ nodes: await connectRedisNodes(addresses), instance: 'quorum-a', settings });
    const address = await app.listen(0, '127.0.0.1');
    const appUrl = `http://127.0.0.1:${address.port}`;
    const baseline = await startBaselineServer((redis[0] as RedisHandle).url);
    const nodes = await connectRedisNodes(addresses);
    const configure = (answerAtQuorum: boolean) =>
      fetch(`${appUrl}/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answerAtQuorum }),
      });
    try {
      await fetch(`${appUrl}/kv/bench`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: 'value' }),
      });
      const http = await interleave(
        rounds,
        [
          {
            name: 'Express + 1 Redis SET',
            run: () =>
              runLoad({
                url: `${baseline.url}/baseline/set`,
                method: 'PUT',
                body: { value: 'value' },
                durationSeconds,
              }),
          },
          {
            name: 'PUT /kv/{key} (N=3, W=2)',
            run: () =>
              runLoad({
                url: `${appUrl}/kv/bench`,
                method: 'PUT',
                body: { value: 'value' },
                durationSeconds,
              }),
          },
          {
            name: atW,
            run: async () => {
              await configure(true);
              try {
                return await runLoad({
                  url: `${appUrl}/kv/bench`,
                  method: 'PUT',
                  body: { value: 'value' },
                  durationSeconds,
                });
              } finally {
                await configure(false);
              }
            },
          },
          {
            name: 'Express + 1 Redis GET',
            run: () => runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds }),
          },
          {
            name: 'GET /kv/{key} (N=3, R=2)',
            run: () => runLoad({ url: `${appUrl}/kv/bench`, durationSeconds }),
          },
        ],
        progress,
      );
      progress(`anti-entropy: writing ${antiEntropyKeys} keys to 3 replicas`);
      const repair = await measureAntiEntropy(nodes, Math.max(1, rounds), progress);
      const result = (name: string): LoadResult => {
        const found = http.get(name) ?? repair.results.get(name);
        if (!found) throw new Error(`no result for ${name}`);
        return found;
      };
      return {
        rows: [
          { name: 'Express + 1 Redis SET', result: result('Express + 1 Redis SET') },
          {
            name: 'PUT /kv/{key} (N=3, W=2)',
            result: result('PUT /kv/{key} (N=3, W=2)'),
            baseline: 'Express + 1 Redis SET',
            goalRatio: 0.6,
          },
          { name: atW, result: result(atW), baseline: 'Express + 1 Redis SET', goalRatio: 0.6 },
          { name: 'Express + 1 Redis GET', result: result('Express + 1 Redis GET') },
          {
            name: 'GET /kv/{key} (N=3, R=2)',
            result: result('GET /kv/{key} (N=3, R=2)'),
            baseline: 'Express + 1 Redis GET',
            goalRatio: 0.6,
          },
          { name: 'full copy, 10k keys (per s)', result: result('full copy, 10k keys (per s)') },
          {
            name: 'anti-entropy, 10k keys, 1 % differ (per s)',
            result: result('anti-entropy, 10k keys, 1 % differ (per s)'),
            baseline: 'full copy, 10k keys (per s)',
          },
        ],
        notes: [
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s each; autocannon in a worker thread, 50 connections, on the same cores as the services and the three redis-servers: compare ratios, not absolutes.`,
          'PUT sends the version to all three replicas (one Lua script each) and answers when all have answered (with answerAtQuorum, at the second acknowledgement); GET asks two replicas (one HGETALL each).',
          ...repair.notes,
        ],
      };
    } finally {
      await baseline.close();
      await app.close();
      await Promise.all(nodes.map((node) => node.close()));
      await Promise.all(redis.map((handle) => handle.stop()));
    }
  },
};

const version = (i: number, counter: number): StoredVersion => {
  let clock = emptyClock();
  for (let c = 0; c < counter; c++) clock = increment(clock, 'quorum-a');
  return {
    value: `value of key ${i}, version ${counter}`,
    isTombstone: false,
    clock,
    writtenAt: counter,
    writer: 'quorum-a',
  };
};

/** Runs `task` over `items` with `concurrency` in flight. */
async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

function timing(durationsMs: readonly number[]): LoadResult {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const mid = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return {
    requestsPerSecond: mid > 0 ? 1000 / mid : 0,
    latencyP50Ms: mid,
    latencyP99Ms: sorted[sorted.length - 1] ?? 0,
    total: sorted.length,
    errors: 0,
    non2xx: 0,
  };
}

/**
 * Anti-entropy against a full copy, both repairing replica-3: each round makes
 * 1 % of the keys newer on replicas 1 and 2 only (untimed), then times one
 * anti-entropy round; the full copy times reading every key from replica-1
 * and writing it to replica-3.
 */
async function measureAntiEntropy(
  nodes: readonly RedisNode[],
  rounds: number,
  progress: (message: string) => void,
) {
  const stores = nodes.map((node) => new ReplicaStore(node));
  const keys = Array.from({ length: antiEntropyKeys }, (_, i) => i);
  await forEachConcurrently(keys, 50, (i) =>
    Promise.all(stores.map((store) => store.putVersions(`key-${i}`, [version(i, 1)], 'vector-clock'))),
  );
  const antiEntropy = new AntiEntropyService(stores, {
    settings: () => settings,
    depth: 10,
    tombstoneGraceMs: 60_000,
    now: Date.now,
    hasPendingHints: () => Promise.resolve(false),
    emit: () => undefined,
  });
  const [first, second, third] = stores as [ReplicaStore, ReplicaStore, ReplicaStore];
  const repairMs: number[] = [];
  const copyMs: number[] = [];
  let lastReport;
  for (let round = 1; round <= rounds; round++) {
    progress(`anti-entropy round ${round}/${rounds}`);
    const stale = keys.filter(
      (i) => i % (antiEntropyKeys / differingKeys) === round % (antiEntropyKeys / differingKeys),
    );
    await forEachConcurrently(stale, 20, (i) =>
      Promise.all(
        [first, second].map((store) =>
          store.putVersions(`key-${i}`, [version(i, round + 1)], 'vector-clock'),
        ),
      ),
    );
    let started = performance.now();
    lastReport = await antiEntropy.run();
    repairMs.push(performance.now() - started);

    progress(`full copy round ${round}/${rounds}`);
    started = performance.now();
    await forEachConcurrently(keys, 50, async (i) =>
      third.putVersions(`key-${i}`, await first.readVersions(`key-${i}`), 'vector-clock'),
    );
    copyMs.push(performance.now() - started);
  }
  const results = new Map<string, LoadResult>([
    ['full copy, 10k keys (per s)', timing(copyMs)],
    ['anti-entropy, 10k keys, 1 % differ (per s)', timing(repairMs)],
  ]);
  const notes = lastReport
    ? [
        `anti-entropy round over ${antiEntropyKeys} keys with ${differingKeys} differing (Merkle depth 10): ${lastReport.keysRepaired} keys repaired, ${lastReport.rangesDiffering} leaf ranges differing, ${lastReport.bytesMoved} bytes moved (${lastReport.hashBytes} of hashes) against ${lastReport.fullCopyBytes} bytes for a full copy to both other replicas: ${((100 * lastReport.bytesMoved) / lastReport.fullCopyBytes).toFixed(1)} %.`,
        'Anti-entropy rows are rounds per second (p50 = median round in ms); the coordinator still reads every replica’s digest index (10k entries) each round, which is what a node keeping its own tree would not pay.',
      ]
    : [];
  return { results, notes };
}

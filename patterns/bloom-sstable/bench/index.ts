import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interleave, runLoad, runLoop, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { LsmEngine } from '../src/storage/lsm-engine.ts';
import type { EngineOptions } from '../src/storage/engine-types.ts';

const keyCount = 50_000;

function engineOptions(dir: string): EngineOptions {
  return {
    dir,
    fsync: 'batch',
    fsyncBatchMs: 5,
    memtableBytes: 256 * 1024,
    blockBytes: 4096,
    bitsPerKey: 10,
    targetFileBytes: 256 * 1024,
    policy: {
      l0CompactionTrigger: 4,
      l0SlowdownTrigger: 8,
      l0StopTrigger: 12,
      level1MaxBytes: 1024 * 1024,
      levelSizeRatio: 10,
      maxLevels: 4,
    },
  };
}

/**
 * Two questions in one run. Through HTTP: what does this store cost per
 * request beside a bare Express route doing one Redis call? In process: what
 * do the Bloom filters save on reads of absent keys (same tables, filters on
 * vs off)? classic-level (LevelDB) is not a dependency here, so the issue's
 * in-process LevelDB comparison is left out rather than guessed.
 */
export const bench: BenchDefinition = {
  pattern: 'bloom-sstable',
  async run({ durationSeconds, rounds, progress }) {
    process.env.LOG_LEVEL ??= 'warn';
    const redis = await startRedis({ name: 'bench-lsm' });
    const dir = mkdtempSync(path.join(tmpdir(), 'lsm-bench-'));
    const engine = await LsmEngine.open(engineOptions(dir));
    progress(`loading ${keyCount} keys`);
    for (let from = 0; from < keyCount; from += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) =>
          engine.put(`user:${from + j}`, `value-${from + j}-${'x'.repeat(64)}`),
        ),
      );
    }
    await engine.flush();
    await engine.idle();
    const [cache] = await connectRedisNodes([
      { name: 'lsm-cache', url: redis.url, host: redis.host, port: redis.port },
    ]);
    const { service } = createApp({
      engine,
      ...(cache ? { cache } : {}),
      cacheEpoch: 'bench',
      l1Entries: 10_000,
      l2TtlSeconds: 300,
      maxKeyBytes: 256,
      maxValueBytes: 16 * 1024,
    });
    const address = await service.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${address.port}`;
    const baseline = await startBaselineServer(redis.url);
    const durationMs = durationSeconds * 1000;
    let n = 0;
    const nextKey = () => `user:${(n++ * 7919) % keyCount}`;
    const absentKey = () => `user:${(n++ * 7919) % keyCount}~absent`;
    const getRequests = Array.from({ length: 200 }, (_, i) => ({
      method: 'GET' as const,
      path: `/kv/user:${(i * 251) % keyCount}`,
    }));
    const putRequests = Array.from({ length: 200 }, (_, i) => ({
      method: 'PUT' as const,
      path: `/kv/bench:${i}`,
      body: JSON.stringify({ value: `v${i}` }),
    }));
    try {
      const results = await interleave(
        rounds,
        [
          {
            name: 'Express + 1 Redis GET',
            run: () => runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds }),
          },
          {
            name: 'GET /kv/{key} (present)',
            run: () => runLoad({ url, requests: getRequests, durationSeconds }),
          },
          {
            name: 'Express + 1 Redis SET',
            run: () =>
              runLoad({
                url: `${baseline.url}/baseline/set`,
                method: 'PUT',
                body: { v: 1 },
                durationSeconds,
              }),
          },
          {
            name: 'PUT /kv/{key} (FSYNC=batch)',
            run: () => runLoad({ url, requests: putRequests, durationSeconds }),
          },
          {
            name: 'in-process get, absent key, filters off',
            run: () => {
              engine.useFilters = false;
              return runLoop(() => Promise.resolve(engine.get(absentKey())), { durationMs });
            },
          },
          {
            name: 'in-process get, absent key, filters on',
            run: () => {
              engine.useFilters = true;
              return runLoop(() => Promise.resolve(engine.get(absentKey())), { durationMs });
            },
          },
          {
            name: 'in-process get, present key',
            run: () => runLoop(() => Promise.resolve(engine.get(nextKey())), { durationMs }),
          },
          {
            name: 'in-process put (FSYNC=batch, 16 writers)',
            run: () => runLoop(() => engine.put(nextKey(), 'v'), { durationMs, concurrency: 16 }),
          },
          {
            name: 'in-process range scan, 100 keys',
            run: () =>
              runLoop(() => Promise.resolve(engine.scan({ start: nextKey(), limit: 100 })), { durationMs }),
          },
        ],
        progress,
      );
      engine.useFilters = true;
      const result = (name: string) => {
        const found = results.get(name);
        if (!found) throw new Error(`no result for ${name}`);
        return found;
      };
      const tables = engine.tables();
      return {
        rows: [
          { name: 'Express + 1 Redis GET', result: result('Express + 1 Redis GET') },
          {
            name: 'GET /kv/{key} (present)',
            result: result('GET /kv/{key} (present)'),
            baseline: 'Express + 1 Redis GET',
            goalRatio: 0.5,
          },
          { name: 'Express + 1 Redis SET', result: result('Express + 1 Redis SET') },
          {
            name: 'PUT /kv/{key} (FSYNC=batch)',
            result: result('PUT /kv/{key} (FSYNC=batch)'),
            baseline: 'Express + 1 Redis SET',
            goalRatio: 0.3,
          },
          {
            name: 'in-process get, absent key, filters off',
            result: result('in-process get, absent key, filters off'),
          },
          {
            name: 'in-process get, absent key, filters on',
            result: result('in-process get, absent key, filters on'),
            baseline: 'in-process get, absent key, filters off',
            goalRatio: 2,
          },
          { name: 'in-process get, present key', result: result('in-process get, present key') },
          {
            name: 'in-process put (FSYNC=batch, 16 writers)',
            result: result('in-process put (FSYNC=batch, 16 writers)'),
          },
          { name: 'in-process range scan, 100 keys', result: result('in-process range scan, 100 keys') },
        ],
        notes: [
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s each; HTTP rows: autocannon, 50 connections, same cores as the service.`,
          `store: ${keyCount} keys (~90 B each) in ${tables.length} tables (${tables.filter((t) => t.level === 0).length} in L0), 10 bits/key filters; HTTP GETs rotate over 200 keys, so they are mostly L1 hits.`,
          'absent-key rows read keys inside the tables\' key ranges, so only the filter can rule a table out; "filters off" reads a block per candidate table.',
          'classic-level (LevelDB) is not a dependency of this workspace: the in-process LevelDB comparison the issue asks for is not measured.',
        ],
      };
    } finally {
      await baseline.close();
      await service.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

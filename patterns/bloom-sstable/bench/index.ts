import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interleave, runLoad, runLoop, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition, BenchRow, LoadResult } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { LsmEngine } from '../src/engines/lsm/lsm-engine.ts';
import { LevelDbKvEngine } from '../src/engines/leveldb/leveldb-kv-engine.ts';
import { LsmKvEngine } from '../src/engines/lsm/lsm-kv-engine.ts';
import { engineOptions, keyCount, keyWalk, loadLsm, openLoadedLevelDb } from './workload.ts';

/** Async LevelDB calls go through libuv's thread pool: keep several in flight so it is measured at its best. */
const inFlight = 16;
const scanLength = 100;

const percent = (part: LoadResult | undefined, whole: LoadResult | undefined): string =>
  part && whole && whole.requestsPerSecond > 0
    ? `${Math.round((part.requestsPerSecond / whole.requestsPerSecond) * 100)} %`
    : 'n/a';

/**
 * Three questions in one run, every pair measured alternately (interleaved
 * rounds) on the same machine:
 * - in process, no HTTP: this engine beside classic-level (LevelDB) on the
 *   same 50,000 keys and values: puts, gets of present and absent keys, and
 *   100-key range scans;
 * - what the Bloom filters save on absent keys (the same tables, filters off);
 * - through HTTP: the service beside a bare Express route doing one Redis call.
 */
export const bench: BenchDefinition = {
  pattern: 'bloom-sstable',
  async run({ durationSeconds, rounds, progress }) {
    process.env.LOG_LEVEL ??= 'warn';
    const work = mkdtempSync(path.join(tmpdir(), 'lsm-bench-'));
    const lsmDir = path.join(work, 'lsm-off');
    const batchDir = path.join(work, 'lsm-batch');
    const coldDir = path.join(work, 'lsm-cold');
    const levelDir = path.join(work, 'leveldb');
    const redis = await startRedis({ name: 'bench-lsm' });
    // Like with like for writes: LevelDB's default put (sync:false) is write(2) without fsync, so is FSYNC=off.
    progress(`loading ${keyCount} keys into the LSM engine`);
    const loading = await LsmEngine.open(engineOptions(lsmDir, 'off'));
    await loadLsm(loading);
    await loading.close();
    // The FSYNC=batch engine (the service's default, behind HTTP) starts from a copy of the same tables.
    cpSync(lsmDir, batchDir, { recursive: true });
    // The cold-cache engine reads the same tables with no block cache: every block a read opens is read
    // from its file (pread, from the OS page cache at best) and decoded again.
    cpSync(lsmDir, coldDir, { recursive: true });
    const lsm = await LsmEngine.open(engineOptions(lsmDir, 'off'));
    const cold = await LsmEngine.open({ ...engineOptions(coldDir, 'off'), blockCacheBlocks: 0 });
    const served = await LsmEngine.open(engineOptions(batchDir, 'batch'));
    progress(`loading ${keyCount} keys into LevelDB`);
    const db = await openLoadedLevelDb(levelDir);
    const [cache] = await connectRedisNodes([
      { name: 'lsm-cache', url: redis.url, host: redis.host, port: redis.port },
    ]);
    const { service } = await createApp({
      engine: new LsmKvEngine(served),
      ...(cache ? { cache } : {}),
      cacheEpoch: 'bench',
      l1Entries: 10_000,
      l2TtlSeconds: 300,
      maxKeyBytes: 256,
      maxValueBytes: 16 * 1024,
    });
    const address = await service.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${address.port}`;
    // The same service on the leveldb engine (ENGINE=leveldb), the same keys, its own L2 epoch.
    progress(`loading ${keyCount} keys into the service's LevelDB engine`);
    const levelEngine = await LevelDbKvEngine.open({
      dir: path.join(work, 'leveldb-served'),
      fsync: 'batch',
      memtableBytes: 256 * 1024,
      blockBytes: 4096,
    });
    const nextLoad = keyWalk();
    for (let from = 0; from < keyCount; from += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, keyCount - from) }, () => {
          const { key, value } = nextLoad();
          return levelEngine.put(key, value);
        }),
      );
    }
    await levelEngine.compactAll();
    const [levelCache] = await connectRedisNodes([
      { name: 'lsm-leveldb-cache', url: redis.url, host: redis.host, port: redis.port },
    ]);
    const { service: levelService } = await createApp({
      engine: levelEngine,
      ...(levelCache ? { cache: levelCache } : {}),
      cacheEpoch: 'bench-leveldb',
      l1Entries: 10_000,
      l2TtlSeconds: 300,
      maxKeyBytes: 256,
      maxValueBytes: 16 * 1024,
    });
    const levelUrl = `http://127.0.0.1:${(await levelService.listen(0, '127.0.0.1')).port}`;
    // Absent keys inside the key range: every read misses L1 and L2 and asks the engine.
    const absentRequests = Array.from({ length: 200 }, (_, i) => ({
      method: 'GET' as const,
      path: `/kv/user:${(i * 251) % keyCount}~`,
    }));
    const baseline = await startBaselineServer(redis.url);
    const durationMs = durationSeconds * 1000;
    const getRequests = Array.from({ length: 200 }, (_, i) => ({
      method: 'GET' as const,
      path: `/kv/user:${(i * 251) % keyCount}`,
    }));
    const putRequests = Array.from({ length: 200 }, (_, i) => ({
      method: 'PUT' as const,
      path: `/kv/bench:${i}`,
      body: JSON.stringify({ value: `v${i}` }),
    }));
    /** Sync reads: one caller is the loop's best; more would only queue on the same thread. */
    const syncLoop = (read: (key: string) => unknown, suffix = '') => {
      const next = keyWalk(suffix);
      return runLoop(() => Promise.resolve(read(next().key)), { durationMs });
    };
    const asyncLoop = (
      operation: (item: { key: string; value: string }) => Promise<unknown>,
      suffix = '',
    ) => {
      const next = keyWalk(suffix);
      return runLoop(() => operation(next()), { durationMs, concurrency: inFlight });
    };
    /** Blocks each absent-get row opened per get (from the cache or the file), summed over its rounds. */
    const blockTally = new Map<string, { gets: number; blocks: number }>();
    const tallied = async (name: string, engine: LsmEngine, measured: () => Promise<LoadResult>) => {
      const gets = engine.counters.gets;
      const blocks = engine.counters.blocksRead;
      const result = await measured();
      const tally = blockTally.get(name) ?? { gets: 0, blocks: 0 };
      tally.gets += engine.counters.gets - gets;
      tally.blocks += engine.counters.blocksRead - blocks;
      blockTally.set(name, tally);
      return result;
    };
    const blocksPerGet = (name: string): string => {
      const tally = blockTally.get(name);
      return tally && tally.gets > 0 ? (tally.blocks / tally.gets).toFixed(3) : 'n/a';
    };
    /** An absent-get row on `engine`, filters on or off, with its blocks per get tallied. */
    const absentGets = (name: string, engine: LsmEngine, useFilters: boolean) => async () => {
      engine.useFilters = useFilters;
      try {
        return await tallied(name, engine, () => syncLoop((key) => engine.get(key), '~'));
      } finally {
        engine.useFilters = true;
      }
    };
    /** A put run leaves flushes and compactions behind: let them finish before the next measurement starts. */
    const settled = async (engine: LsmEngine, measured: Promise<LoadResult>) => {
      const result = await measured;
      await engine.idle();
      return result;
    };
    try {
      // Opening may schedule flushes and compactions (the copied tables, the service's WAL replay): they
      // run in this process, so they finish before the first row instead of during it. One run's HTTP
      // GET row (2,750 req/s against 4,568 in the next run) looks to have been measured under them.
      await Promise.all([lsm, cold, served].map((engine) => engine.idle()));
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
            name: 'GET /kv/{key} (present), leveldb engine',
            run: () => runLoad({ url: levelUrl, requests: getRequests, durationSeconds }),
          },
          {
            name: 'GET /kv/{key} (absent)',
            run: () => runLoad({ url, requests: absentRequests, durationSeconds }),
          },
          {
            name: 'GET /kv/{key} (absent), leveldb engine',
            run: () => runLoad({ url: levelUrl, requests: absentRequests, durationSeconds }),
          },
          {
            name: 'PUT /kv/{key}, leveldb engine',
            run: () => runLoad({ url: levelUrl, requests: putRequests, durationSeconds }),
          },
          {
            name: 'PUT /kv/{key} (FSYNC=batch)',
            run: () => settled(served, runLoad({ url, requests: putRequests, durationSeconds })),
          },
          { name: 'LevelDB getSync, present', run: () => syncLoop((key) => db.getSync(key)) },
          { name: 'LevelDB get, present', run: () => asyncLoop(({ key }) => db.get(key)) },
          { name: 'LSM get, present', run: () => syncLoop((key) => lsm.get(key)) },
          { name: 'LevelDB getSync, absent', run: () => syncLoop((key) => db.getSync(key), '~') },
          { name: 'LevelDB get, absent', run: () => asyncLoop(({ key }) => db.get(key), '~') },
          { name: 'LSM get, absent', run: absentGets('LSM get, absent', lsm, true) },
          {
            name: 'LSM get, absent, filters off',
            run: absentGets('LSM get, absent, filters off', lsm, false),
          },
          {
            name: 'LSM get, absent, cold cache',
            run: absentGets('LSM get, absent, cold cache', cold, true),
          },
          {
            name: 'LSM get, absent, cold cache, filters off',
            run: absentGets('LSM get, absent, cold cache, filters off', cold, false),
          },
          {
            name: 'LevelDB range scan',
            run: () => asyncLoop(({ key }) => db.iterator({ gte: key, limit: scanLength }).all()),
          },
          {
            name: 'LSM range scan',
            run: () => syncLoop((key) => lsm.scan({ start: key, limit: scanLength })),
          },
          {
            name: 'LevelDB put',
            run: () => asyncLoop(({ key, value }) => db.put(key, value, { sync: false })),
          },
          {
            name: 'LSM put, FSYNC=off',
            run: () =>
              settled(
                lsm,
                asyncLoop(({ key, value }) => lsm.put(key, value)),
              ),
          },
          {
            name: 'LSM put, FSYNC=batch',
            run: () =>
              settled(
                served,
                asyncLoop(({ key, value }) => served.put(key, value)),
              ),
          },
        ],
        progress,
      );
      const result = (name: string): LoadResult => results.require(name);
      const row = (name: string, label = name, baselineLabel?: string, goalRatio?: number): BenchRow => ({
        name: label,
        result: result(name),
        ...(baselineLabel ? { baseline: baselineLabel } : {}),
        ...(goalRatio === undefined ? {} : { goalRatio }),
      });
      const lsmTables = lsm.tables();
      return {
        rows: [
          row('Express + 1 Redis GET'),
          row('GET /kv/{key} (present)', undefined, 'Express + 1 Redis GET', 0.5),
          row('Express + 1 Redis SET'),
          row('PUT /kv/{key} (FSYNC=batch)', undefined, 'Express + 1 Redis SET', 0.3),
          row('GET /kv/{key} (present), leveldb engine', undefined, 'GET /kv/{key} (present)'),
          row('GET /kv/{key} (absent)'),
          row('GET /kv/{key} (absent), leveldb engine', undefined, 'GET /kv/{key} (absent)'),
          row(
            'PUT /kv/{key}, leveldb engine',
            'PUT /kv/{key}, leveldb engine (sync:false)',
            'PUT /kv/{key} (FSYNC=batch)',
          ),
          row('LevelDB put', `LevelDB put (sync:false, ${inFlight} in flight)`),
          row(
            'LSM put, FSYNC=off',
            `LSM put (FSYNC=off, ${inFlight} in flight)`,
            `LevelDB put (sync:false, ${inFlight} in flight)`,
            0.4,
          ),
          row(
            'LSM put, FSYNC=batch',
            `LSM put (FSYNC=batch, ${inFlight} in flight)`,
            `LevelDB put (sync:false, ${inFlight} in flight)`,
          ),
          row('LevelDB getSync, present'),
          row('LevelDB get, present', `LevelDB get, present (async, ${inFlight} in flight)`),
          row('LSM get, present', 'LSM get, present', 'LevelDB getSync, present', 0.5),
          row(
            'LSM get, present',
            'LSM get, present (same run, vs async)',
            `LevelDB get, present (async, ${inFlight} in flight)`,
          ),
          row('LevelDB getSync, absent'),
          row('LevelDB get, absent', `LevelDB get, absent (async, ${inFlight} in flight)`),
          row('LSM get, absent', 'LSM get, absent', 'LevelDB getSync, absent', 0.6),
          row(
            'LSM get, absent',
            'LSM get, absent (same run, vs async)',
            `LevelDB get, absent (async, ${inFlight} in flight)`,
          ),
          row('LSM get, absent, filters off', undefined, 'LSM get, absent'),
          row(
            'LSM get, absent, cold cache, filters off',
            'LSM get, absent, cold cache, filters off (baseline)',
          ),
          row(
            'LSM get, absent, cold cache',
            'LSM get, absent, cold cache, filters on',
            'LSM get, absent, cold cache, filters off (baseline)',
            3,
          ),
          row(
            'LevelDB range scan',
            `LevelDB range scan, ${scanLength} keys (iterator, ${inFlight} in flight)`,
          ),
          row(
            'LSM range scan',
            `LSM range scan, ${scanLength} keys`,
            `LevelDB range scan, ${scanLength} keys (iterator, ${inFlight} in flight)`,
          ),
        ],
        notes: [
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s each; HTTP rows: autocannon, 50 connections, same cores as the service.`,
          `in process: both engines hold the same ${keyCount} keys (user:N, ~75 B values), reads walk them in the same scattered order; puts overwrite them with values of the same size.`,
          'LSM gets and scans are synchronous calls (one caller); LevelDB is measured both ways: getSync (like with like) and async get / iterator with 16 calls in flight (its thread pool at its best).',
          'writes: LevelDB sync:false and LSM FSYNC=off both acknowledge after write(2), no fsync; FSYNC=batch adds one fdatasync per 5 ms window. Time spent settling flushes/compaction after an LSM put run is not counted.',
          `LSM engine: 256 KiB memtable and files, 4 KiB blocks, 10 bits/key filters, ${lsmTables.length} tables at the end (${lsmTables.filter((t) => t.level === 0).length} in L0); LevelDB: its defaults (4 MiB write buffer, 8 MiB block cache, Snappy, 10 bits/key filters), fully compacted after loading.`,
          `absent keys (user:N~) sort inside the tables' key ranges, so only a filter can rule a table out; with filters off the LSM engine runs at ${percent(result('LSM get, absent, filters off'), result('LSM get, absent'))} of its filtered speed.`,
          `blocks opened per absent get (from the block cache or the file): warm cache ${blocksPerGet('LSM get, absent')} with filters, ${blocksPerGet('LSM get, absent, filters off')} without; cold cache (no block cache: each one a pread and a decode) ${blocksPerGet('LSM get, absent, cold cache')} with filters, ${blocksPerGet('LSM get, absent, cold cache, filters off')} without.`,
          'cold cache rows: the same tables opened by a second engine with no block cache, so every block a read opens is read from its file and decoded (the OS page cache still holds the files: a real disk would widen the gap).',
          'HTTP GETs rotate over 200 keys, so present ones are mostly L1 hits; absent ones (user:N~) miss L1 and L2 and reach the engine.',
          'absent HTTP reads answer 404, which autocannon counts in its errors column: expected, not failures.',
          'leveldb engine rows: the same service with ENGINE=leveldb (classic-level behind the KvEngine port), the same 50,000 keys, fully compacted.',
        ],
      };
    } finally {
      await baseline.close();
      await service.close();
      await levelService.close();
      await lsm.close();
      await cold.close();
      await db.close();
      await redis.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};

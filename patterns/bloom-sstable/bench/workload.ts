import { ClassicLevel } from 'classic-level';
import type { LsmEngine } from '../src/engines/lsm/lsm-engine.ts';
import type { EngineOptions } from '../src/engines/engine-types.ts';
import type { FsyncPolicy } from '../src/engines/lsm/wal-writer.ts';

/** One key set for both engines: `user:0` … `user:49999`, each with a ~75-byte value. */
export const keyCount = 50_000;

// 7919 is prime and does not divide 50,000, so the walk visits every key once per cycle, in scattered order.
const stride = 7919;

/** The value stored for key `user:<n>`; puts overwrite with a value of the same size. */
export const valueFor = (n: number): string => `value-${String(n).padStart(5, '0')}-${'x'.repeat(64)}`;

/**
 * A fresh walk over the key set. Every measurement starts its own, so the
 * LevelDB row and the LSM row of a pair see the same keys in the same order.
 * A suffix sorts the key just after a present one, inside every table's key
 * range: only a Bloom filter can then rule a table out.
 */
export function keyWalk(suffix = ''): () => { key: string; value: string } {
  let i = 0;
  return () => {
    const n = (i++ * stride) % keyCount;
    return { key: `user:${n}${suffix}`, value: valueFor(n) };
  };
}

/** The service's default shape (see config.ts), with the WAL policy chosen per engine. */
export function engineOptions(dir: string, fsync: FsyncPolicy): EngineOptions {
  return {
    dir,
    fsync,
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

/** Writes the key set in concurrent batches (group commit), then flushes and waits for compaction to settle. */
export async function loadLsm(engine: LsmEngine): Promise<void> {
  for (let from = 0; from < keyCount; from += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, keyCount - from) }, (_, j) =>
        engine.put(`user:${from + j}`, valueFor(from + j)),
      ),
    );
  }
  await engine.flush();
  await engine.idle();
}

/**
 * The same key set into LevelDB (its defaults: 4 MiB write buffer, 8 MiB
 * block cache, Snappy, 10 bits/key Bloom filters), then a full compaction so
 * its reads come from SSTables too, as the LSM engine's do after its flush.
 */
export async function openLoadedLevelDb(dir: string): Promise<ClassicLevel<string, string>> {
  const db = new ClassicLevel<string, string>(dir);
  await db.open();
  for (let from = 0; from < keyCount; from += 500) {
    await db.batch(
      Array.from({ length: Math.min(500, keyCount - from) }, (_, j) => ({
        type: 'put' as const,
        key: `user:${from + j}`,
        value: valueFor(from + j),
      })),
    );
  }
  await db.compactRange('user:', 'user;');
  return db;
}

import path from 'node:path';
import { z } from 'zod';
import { badConfiguration, parseEnv } from '@kvs-lab/shared/service';

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every setting from the environment, each with a default; a bad value stops the start with a clear message. */
const envSchema = z.object({
  SERVICE_NAME: z.string().min(1).default('lsm-node'),
  /** The storage engine behind the same APIs: the hand-made LSM (the lesson) or LevelDB (the answer key). */
  ENGINE: z.enum(['lsm', 'leveldb']).default('lsm'),
  PORT: int(7701, 0, 65535),
  PORT_RESP: int(7702, 0, 65535),
  REDIS_NODES: z.string().default('lsm-cache=redis://127.0.0.1:7710'),
  /** The one place the data directory comes from: never from a request. */
  DATA_DIR: z.string().optional(),
  FSYNC: z.enum(['always', 'batch', 'off']).default('batch'),
  FSYNC_BATCH_MS: int(5, 1, 1000),
  MEMTABLE_BYTES: int(256 * 1024, 1024, 256 * 1024 * 1024),
  BLOCK_BYTES: int(4096, 256, 1024 * 1024),
  BLOOM_BITS_PER_KEY: int(10, 1, 32),
  TARGET_FILE_BYTES: int(256 * 1024, 1024, 256 * 1024 * 1024),
  L0_COMPACTION_TRIGGER: int(4, 1, 100),
  L0_SLOWDOWN_TRIGGER: int(8, 1, 1000),
  L0_STOP_TRIGGER: int(12, 1, 1000),
  L1_MAX_BYTES: int(1024 * 1024, 1024, 1024 * 1024 * 1024),
  LEVEL_SIZE_RATIO: int(10, 2, 100),
  MAX_LEVELS: int(4, 2, 7),
  L1_CACHE_ENTRIES: int(10_000, 0, 10_000_000),
  L2_TTL_SECONDS: int(300, 1, 86_400),
  MAX_KEY_BYTES: int(256, 1, 1024),
  MAX_VALUE_BYTES: int(16 * 1024, 1, 48 * 1024),
});

export type LsmConfig = ReturnType<typeof parseConfig>;

export function parseConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()) {
  const e = parseEnv('bloom-sstable', envSchema, env);
  if (!(e.L0_COMPACTION_TRIGGER < e.L0_SLOWDOWN_TRIGGER && e.L0_SLOWDOWN_TRIGGER < e.L0_STOP_TRIGGER)) {
    throw badConfiguration(
      'bloom-sstable',
      'need L0_COMPACTION_TRIGGER < L0_SLOWDOWN_TRIGGER < L0_STOP_TRIGGER',
    );
  }
  return {
    serviceName: e.SERVICE_NAME,
    engineName: e.ENGINE,
    port: e.PORT,
    respPort: e.PORT_RESP,
    redisNodes: e.REDIS_NODES,
    dataDir: path.resolve(cwd, e.DATA_DIR ?? path.join('.lab', 'data', e.SERVICE_NAME)),
    engine: {
      fsync: e.FSYNC,
      fsyncBatchMs: e.FSYNC_BATCH_MS,
      memtableBytes: e.MEMTABLE_BYTES,
      blockBytes: e.BLOCK_BYTES,
      bitsPerKey: e.BLOOM_BITS_PER_KEY,
      targetFileBytes: e.TARGET_FILE_BYTES,
      policy: {
        l0CompactionTrigger: e.L0_COMPACTION_TRIGGER,
        l0SlowdownTrigger: e.L0_SLOWDOWN_TRIGGER,
        l0StopTrigger: e.L0_STOP_TRIGGER,
        level1MaxBytes: e.L1_MAX_BYTES,
        levelSizeRatio: e.LEVEL_SIZE_RATIO,
        maxLevels: e.MAX_LEVELS,
      },
    },
    l1CacheEntries: e.L1_CACHE_ENTRIES,
    l2TtlSeconds: e.L2_TTL_SECONDS,
    maxKeyBytes: e.MAX_KEY_BYTES,
    maxValueBytes: e.MAX_VALUE_BYTES,
  };
}

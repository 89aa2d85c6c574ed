import type { EngineOptions } from './engine-types.ts';
import type { KvEngine } from './kv-engine.ts';
import { LevelDbKvEngine } from './leveldb/leveldb-kv-engine.ts';
import { LsmKvEngine } from './lsm/lsm-kv-engine.ts';

export type EngineName = 'lsm' | 'leveldb';

/** The one place an engine is chosen (from `ENGINE`); everything after talks to the port. */
export function openEngine(name: EngineName, options: EngineOptions): Promise<KvEngine> {
  switch (name) {
    case 'lsm':
      return LsmKvEngine.open(options);
    case 'leveldb':
      return LevelDbKvEngine.open({
        dir: options.dir,
        fsync: options.fsync,
        memtableBytes: options.memtableBytes,
        blockBytes: options.blockBytes,
      });
  }
}

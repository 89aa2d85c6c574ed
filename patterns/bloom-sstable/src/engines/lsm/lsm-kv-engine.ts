import type { ChaosFault } from '@kvs-lab/shared/service';
import { z } from '@kvs-lab/shared/service';
import type { ByteString } from '../../domain/byte-string.ts';
import { lsmStats, memtableFigures, shapeView, sstablesView } from '../../lsm-views.ts';
import type { ShapeView } from '../../realtime/events.ts';
import type { EngineEvent, EngineOptions } from '../engine-types.ts';
import { LsmEngine } from './lsm-engine.ts';
import type { EngineRead, EngineStats, KeyValue, KvEngine, ScanOptions, SstablesView } from '../kv-engine.ts';

/**
 * The hand-made LSM behind the port: every figure is its own (levels, Bloom
 * checks per read, write stall), and its faults (slow fsync, paused
 * compaction) are the lesson's. The engine itself is beside this file (lsm-engine.ts, recovery.ts, ...).
 */
export class LsmKvEngine implements KvEngine {
  readonly engineName = 'lsm' as const;
  readonly lsm: LsmEngine;

  constructor(lsm: LsmEngine) {
    this.lsm = lsm;
  }

  static async open(options: EngineOptions): Promise<LsmKvEngine> {
    return new LsmKvEngine(await LsmEngine.open(options));
  }

  put(key: ByteString, value: ByteString): Promise<{ seq: number }> {
    return this.lsm.put(key, value);
  }

  delete(key: ByteString): Promise<{ seq: number }> {
    return this.lsm.delete(key);
  }

  putAll(pairs: readonly KeyValue[]): Promise<{ seqs: number[] }> {
    return this.lsm.putAll(pairs);
  }

  read(key: ByteString, asOf?: number, isTraced = false): Promise<EngineRead> {
    return Promise.resolve().then(() => this.lsm.get(key, asOf, isTraced));
  }

  scan(options: ScanOptions) {
    return Promise.resolve().then(() => this.lsm.scan(options));
  }

  flush() {
    return this.lsm.flush();
  }

  compactAll() {
    return this.lsm.compactAll();
  }

  createSnapshot(): number {
    return this.lsm.createSnapshot();
  }

  releaseSnapshot(seq: number): boolean {
    return this.lsm.releaseSnapshot(seq);
  }

  setBitsPerKey(bitsPerKey: number) {
    this.lsm.setBitsPerKey(bitsPerKey);
    return { ok: true as const, bitsPerKey: this.lsm.bitsPerKey };
  }

  stats(): EngineStats {
    return lsmStats(this.lsm);
  }

  shape(): ShapeView {
    return shapeView(this.lsm);
  }

  memtable(): ShapeView['memtable'] {
    return memtableFigures(this.lsm);
  }

  sstables(): SstablesView {
    return sstablesView(this.lsm);
  }

  faults(): ChaosFault[] {
    const engine = this.lsm;
    const slowFsync: ChaosFault<z.ZodObject<{ delayMs: z.ZodDefault<z.ZodNumber> }>> = {
      name: 'slow-fsync',
      description:
        'Adds latency before every WAL fsync (a slow disk): watch group commit batch writes under FSYNC=always.',
      params: z.object({ delayMs: z.number().int().min(1).max(5_000).default(50) }),
      inject: ({ delayMs }) => {
        engine.fsyncDelayMs = delayMs;
      },
      heal: () => {
        engine.fsyncDelayMs = 0;
      },
      state: () => ({ delayMs: engine.fsyncDelayMs }),
    };
    const pauseCompaction: ChaosFault = {
      name: 'pause-compaction',
      description:
        'Stops background compaction: L0 grows, reads probe more tables, writes slow down and then stop.',
      inject: () => engine.pauseCompaction(true),
      heal: () => engine.pauseCompaction(false),
      state: () => ({ isPaused: engine.compactionPaused }),
    };
    return [slowFsync, pauseCompaction];
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.lsm.onEvent(listener);
  }

  close(): Promise<void> {
    return this.lsm.close();
  }
}

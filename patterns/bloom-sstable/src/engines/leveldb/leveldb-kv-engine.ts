import { mkdirSync } from 'node:fs';
import type { ChaosFault } from '@kvs-lab/shared/service';
import { ClassicLevel } from 'classic-level';
import type { ByteString } from '../../domain/byte-string.ts';
import type { Entry } from '../../domain/entry.ts';
import type { ShapeView } from '../../realtime/events.ts';
import type { CompactionReport, EngineEvent, FlushReport } from '../engine-types.ts';
import type { FsyncPolicy } from '../lsm/wal-writer.ts';
import type { EngineRead, EngineStats, KeyValue, KvEngine, ScanOptions, SstablesView } from '../kv-engine.ts';
import { AsOfUnavailableError } from '../kv-engine.ts';
import {
  decodeStoredValue,
  encodeSeq,
  encodeStoredValue,
  lastSeqKey,
  parseSstablesProperty,
  storedKey,
  userKeyOf,
  userKeyPrefix,
} from './leveldb-records.ts';

type Db = ClassicLevel<Buffer, Buffer>;
type Snapshot = ReturnType<Db['snapshot']>;
type Op = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface LevelDbOptions {
  readonly dir: string;
  /** `always`: each batch is written with sync:true (fsync); `batch` and `off`: write(2) only, as LevelDB's default. */
  readonly fsync: FsyncPolicy;
  readonly memtableBytes: number;
  readonly blockBytes: number;
}

const levelCount = 7;
const noTrace =
  'LevelDB does not report its read path: which memtable or table answered and which Bloom filters were asked stay inside it';
const bloomBitsPerKey = 10; // classic-level opens LevelDB with NewBloomFilterPolicy(10), fixed at build time

/**
 * LevelDB (classic-level) behind the same port. Writes are queued and sent
 * as one `batch` per turn: LevelDB applies a batch atomically, so the seq
 * record and the values it covers can never disagree after a crash, and a
 * single writer keeps seqs in call order (concurrent native calls could
 * reach LevelDB out of order). `asOf` maps to LevelDB snapshots: exact at a
 * pinned seq (POST /snapshots) or at the current seq; between them LevelDB
 * keeps no history we can address by seq, so the answer is 501.
 */
export class LevelDbKvEngine implements KvEngine {
  readonly engineName = 'leveldb' as const;
  private readonly db: Db;
  private readonly options: LevelDbOptions;
  private lastSeq: number;
  private readonly snapshots = new Map<number, { snapshot: Snapshot; pins: number }>();
  private queue: { ops: Op[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing: Promise<void> | undefined;
  private listener: (event: EngineEvent) => void = () => undefined;
  private readonly counters = { puts: 0, deletes: 0, gets: 0, batches: 0, compactions: 0 };
  private lastCompaction: CompactionReport | undefined;

  private constructor(db: Db, options: LevelDbOptions, lastSeq: number) {
    this.db = db;
    this.options = options;
    this.lastSeq = lastSeq;
  }

  static async open(options: LevelDbOptions): Promise<LevelDbKvEngine> {
    mkdirSync(options.dir, { recursive: true });
    const db: Db = new ClassicLevel<Buffer, Buffer>(options.dir, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
      writeBufferSize: options.memtableBytes,
      blockSize: options.blockBytes,
    });
    await db.open();
    const stored = await db.get(Buffer.from(lastSeqKey));
    return new LevelDbKvEngine(db, options, stored === undefined ? 0 : Number(stored.toString()));
  }

  put(key: ByteString, value: ByteString): Promise<{ seq: number }> {
    const seq = ++this.lastSeq;
    return this.write([{ type: 'put', key: storedKey(key), value: encodeStoredValue(seq, value) }], seq);
  }

  delete(key: ByteString): Promise<{ seq: number }> {
    const seq = ++this.lastSeq;
    return this.write([{ type: 'del', key: storedKey(key) }], seq);
  }

  /** One LevelDB batch holds them all, so LevelDB applies every pair or none. */
  async putAll(pairs: readonly KeyValue[]): Promise<{ seqs: number[] }> {
    const seqs: number[] = [];
    const ops: Op[] = pairs.map((p) => {
      const seq = ++this.lastSeq;
      seqs.push(seq);
      return { type: 'put', key: storedKey(p.key), value: encodeStoredValue(seq, p.value) };
    });
    await this.write(ops, this.lastSeq);
    return { seqs };
  }

  /** Group commit: every write queued while a batch is being written goes into the next one. */
  private async write(ops: Op[], seq: number): Promise<{ seq: number }> {
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      this.writing ??= this.writeLoop();
    });
    return { seq };
  }

  private async writeLoop(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const ops = batch.flatMap((w) => w.ops);
      // The seq of the newest write in the batch, written in the same atomic batch.
      ops.push({ type: 'put', key: Buffer.from(lastSeqKey), value: encodeSeq(this.lastSeq) });
      try {
        await this.db.batch(ops, { sync: this.options.fsync === 'always' });
        this.counters.batches += 1;
        for (const w of batch) {
          for (const op of w.ops) {
            if (op.type === 'put') this.counters.puts += 1;
            else this.counters.deletes += 1;
          }
          w.resolve();
        }
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const w of batch) w.reject(failure);
      }
    }
    this.writing = undefined;
  }

  async read(key: ByteString, asOf?: number): Promise<EngineRead> {
    this.counters.gets += 1;
    const snapshot = this.snapshotFor(asOf);
    const stored = await this.db.get(storedKey(key), snapshot ? { snapshot } : {});
    if (stored === undefined)
      return { entry: undefined, servedFrom: undefined, trace: null, traceUnavailable: noTrace };
    const { seq, value } = decodeStoredValue(stored);
    const entry: Entry = { key, seq, kind: 'put', value };
    return { entry, servedFrom: 'sstable', trace: null, traceUnavailable: noTrace };
  }

  /** The LevelDB snapshot an `asOf` read uses: none for the present, a pinned one, or 501. */
  private snapshotFor(asOf: number | undefined): Snapshot | undefined {
    if (asOf === undefined || asOf >= this.lastSeq) return undefined;
    const pinned = this.snapshots.get(asOf);
    if (pinned) return pinned.snapshot;
    throw new AsOfUnavailableError(
      `LevelDB keeps older versions only for a pinned snapshot: asOf must be a seq from POST /snapshots ` +
        `(pinned: ${[...this.snapshots.keys()].join(', ') || 'none'}) or >= the current seq ${this.lastSeq}`,
    );
  }

  async scan(options: ScanOptions): Promise<{ items: Entry[]; nextStart: ByteString | null }> {
    const snapshot = this.snapshotFor(options.asOf);
    const prefix = options.prefix ?? '';
    const start = [options.start ?? '', prefix].reduce((a, b) => (a > b ? a : b));
    const iterator = this.db.iterator({
      gte: storedKey(start),
      // Past every user key with the prefix: `k` + prefix + 0xff... is not enough for binary keys, so stop in the loop.
      ...(options.end === undefined
        ? { lt: Buffer.from(String.fromCharCode(userKeyPrefix.charCodeAt(0) + 1)) }
        : { lt: storedKey(options.end) }),
      limit: options.limit + 1,
      ...(snapshot ? { snapshot } : {}),
    });
    const items: Entry[] = [];
    let nextStart: ByteString | null = null;
    try {
      for await (const [k, v] of iterator) {
        const key = userKeyOf(k);
        if (!key.startsWith(prefix)) break;
        if (items.length === options.limit) {
          nextStart = key;
          break;
        }
        const { seq, value } = decodeStoredValue(v);
        items.push({ key, seq, kind: 'put', value });
      }
    } finally {
      await iterator.close();
    }
    return { items, nextStart };
  }

  /** LevelDB has no "flush now"; a compaction of an empty range flushes the memtable first (CompactRange does). */
  async flush(): Promise<FlushReport> {
    const started = performance.now();
    await this.db.compactRange(Buffer.from('m'), Buffer.from('m'));
    const report: FlushReport = {
      fileNumber: null,
      entries: null,
      bytesWritten: null,
      durationMs: Math.round(performance.now() - started),
      unavailable:
        'LevelDB flushed its memtable inside CompactRange and does not say into which file or how many entries',
    };
    this.listener({ type: 'flush', report });
    return report;
  }

  async compactAll(): Promise<CompactionReport | null> {
    const started = performance.now();
    const before = this.tableFiles();
    await this.db.compactRange(
      Buffer.from(userKeyPrefix),
      Buffer.from(String.fromCharCode(userKeyPrefix.charCodeAt(0) + 1)),
    );
    const after = this.tableFiles();
    const report: CompactionReport = {
      reason: 'manual (LevelDB CompactRange over every key)',
      level: 0,
      outputLevel: Math.max(0, ...after.map((t) => t.level)),
      inputFiles: before.map((t) => t.file),
      outputFiles: after.filter((t) => !before.some((b) => b.file === t.file)).map((t) => t.file),
      entriesIn: null,
      entriesOut: null,
      droppedVersions: null,
      droppedTombstones: null,
      bytesRead: before.reduce((n, t) => n + t.sizeBytes, 0),
      bytesWritten: after.reduce((n, t) => n + t.sizeBytes, 0),
      durationMs: Math.round(performance.now() - started),
      unavailable:
        'LevelDB does not report entries or dropped versions; bytes are the table sizes before and after',
    };
    this.counters.compactions += 1;
    this.lastCompaction = report;
    this.listener({ type: 'compaction', report });
    return report;
  }

  private tableFiles() {
    return parseSstablesProperty(this.db.getProperty('leveldb.sstables'));
  }

  createSnapshot(): number {
    const seq = this.lastSeq;
    const pinned = this.snapshots.get(seq);
    if (pinned) pinned.pins += 1;
    else this.snapshots.set(seq, { snapshot: this.db.snapshot(), pins: 1 });
    return seq;
  }

  releaseSnapshot(seq: number): boolean {
    const pinned = this.snapshots.get(seq);
    if (!pinned) return false;
    pinned.pins -= 1;
    if (pinned.pins === 0) {
      this.snapshots.delete(seq);
      void pinned.snapshot.close();
    }
    return true;
  }

  setBitsPerKey(): { ok: false; reason: string } {
    return {
      ok: false,
      reason: `classic-level builds LevelDB with a fixed NewBloomFilterPolicy(${bloomBitsPerKey}): bits per key cannot change`,
    };
  }

  stats(): EngineStats {
    const files = this.tableFiles();
    const levels = Array.from({ length: levelCount }, (_, level) => {
      const at = files.filter((t) => t.level === level);
      return { level, files: at.length, bytes: at.reduce((n, t) => n + t.sizeBytes, 0) };
    });
    return {
      engine: 'leveldb (classic-level)',
      lastSeq: this.lastSeq,
      horizonSeq: null,
      snapshots: [...this.snapshots.keys()].sort((a, b) => a - b),
      memtable: {
        approximateMemoryBytes: Number(this.db.getProperty('leveldb.approximate-memory-usage')),
        entries: null,
        limitBytes: this.options.memtableBytes,
      },
      levels,
      bloom: { bitsPerKey: bloomBitsPerKey, checks: null, negatives: null, falsePositives: null },
      wal: {
        fsync: this.options.fsync === 'always' ? 'always (sync:true)' : 'off (write(2), LevelDB default)',
        recovery: null,
      },
      amplification: { writeAmplification: null, readAmplification: null },
      io: { ...this.counters },
      compaction: { isPaused: null, last: this.lastCompaction ?? null },
      writeStall: { state: null },
      unavailable: {
        horizonSeq:
          'LevelDB drops old versions at compaction unless a snapshot pins them; it names no horizon',
        memtableEntries: 'LevelDB reports memory, not entries',
        bloomChecks: noTrace,
        amplification: 'LevelDB does not count user bytes against bytes written',
        writeStall: 'LevelDB slows and stops writes inside (L0 slowdown/stop triggers) without reporting it',
        recovery: 'LevelDB replays its log on open without reporting what it kept or dropped',
        compactionPause: 'LevelDB compacts on its own background thread and has no pause',
      },
    };
  }

  memtable(): ShapeView['memtable'] {
    return { entries: null, bytes: null, limitBytes: this.options.memtableBytes, immutableEntries: null };
  }

  shape(): ShapeView {
    const files = this.tableFiles();
    return {
      memtable: this.memtable(),
      levels: Array.from({ length: levelCount }, (_, level) => ({
        level,
        files: files
          .filter((t) => t.level === level)
          .map((t) => ({
            file: t.file,
            sizeBytes: t.sizeBytes,
            smallestKey: null,
            largestKey: null,
            entries: null,
          })),
      })),
      writeStall: null,
    };
  }

  sstables(): SstablesView {
    const files = this.tableFiles();
    return {
      levels: Array.from({ length: levelCount }, (_, level) => ({
        level,
        tables: files
          .filter((t) => t.level === level)
          .map((t) => ({
            file: t.file,
            level,
            sizeBytes: t.sizeBytes,
            smallestKey: null,
            largestKey: null,
            entries: null,
            tombstones: null,
            keys: null,
            filterBytes: null,
            bitsPerKey: bloomBitsPerKey,
            hashCount: null,
            minSeq: null,
            maxSeq: null,
          })),
      })),
      unavailable:
        'LevelDB lists each table with its size only; entries, key ranges and filter sizes stay inside it',
    };
  }

  /** No engine faults: LevelDB's compaction and log run inside it (the kit's cache link cut still applies). */
  faults(): ChaosFault[] {
    return [];
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    while (this.writing) await this.writing;
    for (const { snapshot } of this.snapshots.values()) await snapshot.close();
    this.snapshots.clear();
    await this.db.close();
  }
}

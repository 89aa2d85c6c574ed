import { History, MessageBudget } from '@kvs-lab/shared/history';
import type { ByteString } from './domain/byte-string.ts';
import { displayText, toBytes } from './domain/byte-string.ts';
import { crc32 } from './domain/crc32.ts';
import type { LsmInput, LsmOutput } from './check/lsm-check.ts';
import { LruCache } from './domain/lru-cache.ts';
import type {
  CompactionView,
  LiveEventName,
  LiveSnapshot,
  LsmLiveEvents,
  ReadView,
  ShapeView,
} from './realtime/events.ts';
import type { LsmMessage } from './realtime/protocol-messages.ts';
import {
  compactionInputs,
  compactionMessages,
  flushMessages,
  readMessages,
  writeMessages,
} from './realtime/protocol-messages.ts';
import type { KeyValue, KvEngine, ScanOptions } from './engines/kv-engine.ts';
import type { CompactionReport, FlushReport, ReadTrace } from './engines/engine-types.ts';
import { newReadTrace } from './engines/engine-types.ts';
import type { BloomProbeReport } from './bloom-probes.ts';
import { probeAbsentKeys } from './bloom-probes.ts';
import { atSnapshot, onDisk } from './engine-errors.ts';
import type { CachedVersion, L2Cache } from './store/l2-cache.ts';
import { AppError } from './errors.ts';
import { recordEach, recordOne } from './recording.ts';

export type ServedFrom = 'l1' | 'l2' | 'memtable' | 'sstable';

export interface GetResult {
  readonly key: ByteString;
  readonly found: boolean;
  readonly value?: ByteString;
  readonly seq?: number;
  readonly servedFrom: ServedFrom | 'none';
  /** Null when the engine does not report its read path (LevelDB), with the reason in `traceUnavailable`. */
  readonly trace: ReadTrace | null;
  readonly traceUnavailable?: string;
}

/** How the service tells the live view what happened. */
type Emit = <K extends LiveEventName>(event: K, payload: LsmLiveEvents[K]) => void;

/** Where protocol messages go: the kit's trace log (`mountCheck(...).trace`). */
export interface TraceSink {
  recordMessages(messages: readonly LsmMessage[]): boolean;
}

// As the kit's own budget: a learner's requests are all recorded, a benchmark's flood is sampled.
const traceMessagesPerSecond = 1_000;

/** Values in the history are kept as length + crc32: the checker only compares them, and 100k full values would not fit. */
export function valueDigest(value: ByteString): string {
  return `${value.length}:${crc32(toBytes(value)).toString(16)}`;
}

/**
 * The use cases of the store. Keys and values are byte strings (see
 * domain/byte-string.ts) from here down; HTTP and RESP2 convert at their edge. Each write goes to the engine, then to the
 * caches with its seq; each read tries L1, L2, then the engine. Every
 * operation is recorded for /check, and the live view hears about it.
 */
export class LsmService {
  readonly engine: KvEngine;
  readonly l2: L2Cache | undefined;
  readonly history = new History<LsmInput, LsmOutput>({ capacity: 50_000 });
  private readonly l1: LruCache<CachedVersion>;
  private emit: Emit;
  /** False while no live view is open: then no per-request event is built at all. */
  private isWatched: () => boolean = () => true;
  private traceSink: TraceSink | undefined;
  // Asked before a step's messages are built, so a get over the budget allocates nothing for the trace.
  private readonly traceGate = new MessageBudget(traceMessagesPerSecond);
  /** The levels as they stood after the last flush or compaction: where a compaction's inputs came from. */
  private levelsBefore: ShapeView['levels'];
  private lastFlush: LiveSnapshot['lastFlush'] = null;
  private lastCompaction: CompactionView | null = null;
  private lastRead: GetResult | null = null;
  private lastReadIsSnapshot = false;
  // Bumped around every write: a read that waited on L2 while a write ran must not fill L1.
  private writeGeneration = 0;
  readonly l1Counters = { hits: 0, misses: 0 };

  constructor(deps: { engine: KvEngine; l2?: L2Cache; l1Entries: number; emit?: Emit }) {
    this.engine = deps.engine;
    this.l2 = deps.l2;
    this.l1 = new LruCache(deps.l1Entries);
    this.emit = deps.emit ?? (() => undefined);
    this.levelsBefore = this.engine.shape().levels;
    this.engine.onEvent((event) => {
      if (event.type === 'stall') {
        this.emit('stall:changed', { state: event.state });
        return;
      }
      const shape = this.shape();
      if (event.type === 'flush') {
        this.lastFlush = event.report;
        if (this.hasTraceRoom()) this.traceStep(flushMessages(event.report));
        this.emit('memtable:flushed', { report: event.report, shape });
      } else {
        const inputs = compactionInputs(event.report, this.levelsBefore);
        this.lastCompaction = { report: event.report, inputs };
        if (this.hasTraceRoom()) this.traceStep(compactionMessages(event.report, inputs));
        this.emit('compaction:finished', { report: event.report, inputs, shape });
      }
      this.levelsBefore = shape.levels;
    });
  }

  /** `isWatched` says whether any live view is open; per-request events are skipped when none is. */
  setEmitter(emit: Emit, isWatched: () => boolean = () => true): void {
    this.emit = emit;
    this.isWatched = isWatched;
  }

  /** Protocol messages go to the trace from now on (the kit's log exists once /check is mounted). */
  setTraceSink(sink: TraceSink): void {
    this.traceSink = sink;
  }

  /** Whether one more protocol step fits in this second's budget: asked before its messages are built. */
  private hasTraceRoom(): boolean {
    return this.traceSink !== undefined && this.traceGate.allow(performance.now(), 0);
  }

  /** Records one protocol step (a whole fan-out, or nothing) within the budget. */
  private traceStep(messages: LsmMessage[]): void {
    if (this.traceGate.allow(performance.now(), messages.length)) this.traceSink?.recordMessages(messages);
  }

  /** What a page opened now is given: the same state the events built on a page open all along. */
  liveSnapshot(): LiveSnapshot {
    return {
      engine: this.engine.engineName,
      shape: this.shape(),
      stats: this.stats(),
      lastFlush: this.lastFlush,
      lastCompaction: this.lastCompaction,
      lastRead: this.lastRead ? this.readView(this.lastRead, this.lastReadIsSnapshot) : null,
    };
  }

  private readView(result: GetResult, isSnapshotRead: boolean): ReadView {
    return {
      key: displayText(result.key),
      found: result.found,
      servedFrom: result.servedFrom,
      isSnapshotRead,
      hasL2: this.l2 !== undefined,
      trace: result.trace,
      ...(result.traceUnavailable === undefined ? {} : { traceUnavailable: result.traceUnavailable }),
    };
  }

  put(key: ByteString, value: ByteString, process: string): Promise<{ key: string; seq: number }> {
    return recordOne(
      this.history,
      process,
      'put',
      { key, value: valueDigest(value) },
      () => this.write(key, value),
      seqOutput,
    );
  }

  delete(key: ByteString, process: string): Promise<{ key: string; seq: number }> {
    return recordOne(this.history, process, 'delete', { key }, () => this.write(key, undefined), seqOutput);
  }

  /** MSET: every pair or none, each recorded for /check as a put of its own key. */
  putAll(pairs: readonly KeyValue[], process: string): Promise<{ seqs: number[] }> {
    return recordEach(
      this.history,
      process,
      'put',
      pairs.map((p) => ({ key: p.key, value: valueDigest(p.value) })),
      () => this.writeAll(pairs),
      (r) => r.seqs.map((seq) => ({ seq })),
    );
  }

  /** Engine first (durable), then L1 and L2 with the new seq, then the answer. */
  private async write(key: ByteString, value: ByteString | undefined): Promise<{ key: string; seq: number }> {
    this.writeGeneration += 1;
    let seq: number;
    try {
      seq = (value === undefined ? await this.engine.delete(key) : await this.engine.put(key, value)).seq;
    } catch (error) {
      throw new AppError('STORAGE_FAILED', `The write may or may not be in the WAL: ${String(error)}`, {
        cause: error,
      });
    }
    this.writeGeneration += 1;
    const version: CachedVersion = { seq, isDeleted: value === undefined, value: value ?? '' };
    this.fillL1(key, version);
    await this.l2?.invalidate(key, version);
    this.announce(key, version);
    return { key, seq };
  }

  /** Engine first (one batch), then L1 for every key at once, then L2 and the live view key by key. */
  private async writeAll(pairs: readonly KeyValue[]): Promise<{ seqs: number[] }> {
    this.writeGeneration += 1;
    let seqs: number[];
    try {
      seqs = (await this.engine.putAll(pairs)).seqs;
    } catch (error) {
      throw new AppError('STORAGE_FAILED', `The batch may or may not be in the WAL: ${String(error)}`, {
        cause: error,
      });
    }
    this.writeGeneration += 1;
    const written = pairs.map((p, i) => ({
      key: p.key,
      version: { seq: seqs[i] ?? 0, isDeleted: false, value: p.value },
    }));
    for (const w of written) this.fillL1(w.key, w.version);
    for (const w of written) {
      await this.l2?.invalidate(w.key, w.version);
      this.announce(w.key, w.version);
    }
    return { seqs };
  }

  /** A stored version, told to the protocol trace and the live view. */
  private announce(key: ByteString, version: CachedVersion): void {
    const { seq, isDeleted } = version;
    if (this.hasTraceRoom()) {
      this.traceStep(
        writeMessages({
          key: displayText(key),
          seq,
          isDelete: isDeleted,
          hasL2: this.l2 !== undefined,
        }),
      );
    }
    if (this.isWatched()) {
      this.emit('write:applied', {
        key: displayText(key),
        seq,
        kind: isDeleted ? 'delete' : 'put',
        memtable: this.engine.memtable(),
      });
    }
  }

  private fillL1(key: ByteString, version: CachedVersion): void {
    const current = this.l1.get(key);
    if (!current || current.seq < version.seq) this.l1.set(key, version);
  }

  /**
   * A read through the caches. `isTraced` (HTTP answers with the trace) asks the engine to say how it read;
   * a caller that does not (RESP2) gets a trace only when a live view or the protocol trace will use it, so a
   * flood of gets builds none.
   */
  async get(key: ByteString, asOf: number | undefined, process: string, isTraced = true): Promise<GetResult> {
    const isWatched = this.isWatched();
    const isForTrace = this.hasTraceRoom();
    const wantsTrace = isTraced || isWatched || isForTrace;
    const result = await recordOne(
      this.history,
      process,
      'get',
      { key, ...(asOf === undefined ? {} : { asOf }) },
      () => this.read(key, asOf, wantsTrace),
      (r) =>
        r.found && r.value !== undefined
          ? { found: true, seq: r.seq, value: valueDigest(r.value) }
          : { found: false },
    );
    // An untraced read leaves the last traced one for a page opened later: it has nothing to draw.
    if (!wantsTrace) return result;
    const isSnapshotRead = asOf !== undefined;
    this.lastRead = result;
    this.lastReadIsSnapshot = isSnapshotRead;
    if (isForTrace) this.traceStep(readMessages(this.readView(result, isSnapshotRead)));
    if (isWatched) this.emit('read:traced', this.readView(result, isSnapshotRead));
    return result;
  }

  /** L1 -> L2 -> memtable -> SSTables. Snapshot reads (`asOf`) go straight to the engine: caches hold only the newest version. */
  private async read(key: ByteString, asOf: number | undefined, isTraced: boolean): Promise<GetResult> {
    if (asOf === undefined) {
      const l1 = this.l1.get(key);
      if (l1) {
        this.l1Counters.hits += 1;
        return fromCache(key, l1, 'l1', isTraced);
      }
      this.l1Counters.misses += 1;
      if (this.l2) {
        const generation = this.writeGeneration;
        const l2 = await this.l2.get(key);
        if (l2) {
          if (generation === this.writeGeneration) this.fillL1(key, l2);
          return fromCache(key, l2, 'l2', isTraced);
        }
      }
    }
    const { entry, servedFrom, trace, traceUnavailable } = await atSnapshot(() =>
      this.engine.read(key, asOf, isTraced),
    );
    const why = traceUnavailable === undefined ? {} : { traceUnavailable };
    if (asOf === undefined && entry) {
      const version: CachedVersion = {
        seq: entry.seq,
        isDeleted: entry.kind === 'delete',
        value: entry.value,
      };
      this.fillL1(key, version);
      await this.l2?.fill(key, version);
    }
    const from = servedFrom ?? 'none';
    if (!entry || entry.kind === 'delete') return { key, found: false, servedFrom: from, trace, ...why };
    return { key, found: true, value: entry.value, seq: entry.seq, servedFrom: from, trace, ...why };
  }

  scan(options: ScanOptions) {
    return atSnapshot(() => this.engine.scan(options));
  }

  createSnapshot(): number {
    return this.engine.createSnapshot();
  }

  releaseSnapshot(seq: number): boolean {
    return this.engine.releaseSnapshot(seq);
  }

  /** New tables' filter density; 501 where the engine fixes it when it opens. */
  setBitsPerKey(bitsPerKey: number): number {
    const r = this.engine.setBitsPerKey(bitsPerKey);
    if (!r.ok) throw new AppError('ENGINE_UNSUPPORTED', r.reason);
    return r.bitsPerKey;
  }

  sstables() {
    return this.engine.sstables();
  }

  flush(): Promise<FlushReport> {
    return onDisk('flush', () => this.engine.flush());
  }

  compact(): Promise<CompactionReport | null> {
    return onDisk('compaction', () => this.engine.compactAll());
  }

  /** The LSM shape for the live view. */
  shape(): ShapeView {
    return this.engine.shape();
  }

  stats() {
    return {
      ...this.engine.stats(),
      cache: {
        l1: { ...this.l1Counters, entries: this.l1.size },
        l2: this.l2 ? { ...this.l2.counters, node: this.l2.nodeName, epoch: this.l2.epoch } : null,
      },
    };
  }

  /** Reads `count` keys that were never written and reports what the filters saved. */
  probeAbsentKeys(count: number, prefix: string, seed: number): Promise<BloomProbeReport> {
    return probeAbsentKeys(this.engine, count, prefix, seed);
  }

  async close(): Promise<void> {
    await this.engine.close();
  }

  /** The engine's chaos faults, for the kit's /chaos. */
  faults() {
    return this.engine.faults();
  }
}

const seqOutput = (r: { seq: number }): LsmOutput => ({ seq: r.seq });

function fromCache(
  key: ByteString,
  version: CachedVersion,
  servedFrom: 'l1' | 'l2',
  isTraced: boolean,
): GetResult {
  const trace = isTraced
    ? newReadTrace(
        `served by the ${servedFrom === 'l1' ? 'L1 (in-process)' : 'L2 (Redis)'} cache: the LSM tree was not read`,
      )
    : null;
  if (version.isDeleted) return { key, found: false, servedFrom, trace };
  return { key, found: true, value: version.value, seq: version.seq, servedFrom, trace };
}

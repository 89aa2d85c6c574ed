import type { ChaosFault } from '@kvs-lab/shared/service';
import type { ByteString } from '../domain/byte-string.ts';
import type { Entry } from '../domain/entry.ts';
import type { ShapeView } from '../realtime/events.ts';
import type { CompactionReport, EngineEvent, FlushReport, ReadTrace } from './engine-types.ts';

/**
 * The one port the service talks to: a versioned, ordered key-value store
 * with snapshots. The hand-made LSM ([`engines/lsm`](./lsm/lsm-kv-engine.ts))
 * is the lesson; LevelDB ([`engines/leveldb`](./leveldb/leveldb-kv-engine.ts))
 * is the answer key. The service never asks which one it has: a figure an
 * engine cannot give is `null` beside a reason.
 */
export interface KvEngine {
  /** For /stats and INFO only. */
  readonly engineName: 'lsm' | 'leveldb';
  /** Acknowledged once durable under the engine's fsync policy; seqs follow call order. */
  put(key: ByteString, value: ByteString): Promise<{ seq: number }>;
  delete(key: ByteString): Promise<{ seq: number }>;
  /**
   * Puts every pair or none (MSET), even across a crash; seqs consecutive in the order given, so a key
   * named twice ends with its last value. Acknowledged like `put`.
   */
  putAll(pairs: readonly KeyValue[]): Promise<{ seqs: number[] }>;
  /**
   * The newest version with seq <= asOf (tombstones included where the engine keeps them). With `isTraced`
   * the engine says how it found it where it can; without, it builds no trace at all.
   */
  read(key: ByteString, asOf?: number, isTraced?: boolean): Promise<EngineRead>;
  /** Live keys with start <= key < end and the prefix, in byte order. */
  scan(options: ScanOptions): Promise<{ items: Entry[]; nextStart: ByteString | null }>;
  flush(): Promise<FlushReport>;
  compactAll(): Promise<CompactionReport | null>;
  /** Pins the current seq for `asOf` readers. */
  createSnapshot(): number;
  releaseSnapshot(seq: number): boolean;
  /** Filter density for new tables; `unsupported` with a reason where the engine fixes it at open. */
  setBitsPerKey(bitsPerKey: number): { ok: true; bitsPerKey: number } | { ok: false; reason: string };
  /** The engine's part of /stats. */
  stats(): EngineStats;
  /** What the live view draws. */
  shape(): ShapeView;
  /** The memtable part of the shape, cheap enough for every write. */
  memtable(): ShapeView['memtable'];
  /** What GET /sstables answers. */
  sstables(): SstablesView;
  /** The engine's own chaos faults (the kit adds link cuts to the cache). */
  faults(): ChaosFault[];
  onEvent(listener: (event: EngineEvent) => void): void;
  close(): Promise<void>;
}

export interface KeyValue {
  readonly key: ByteString;
  readonly value: ByteString;
}

export interface ScanOptions {
  readonly start?: ByteString;
  readonly end?: ByteString;
  readonly prefix?: ByteString;
  readonly limit: number;
  readonly asOf?: number;
}

export interface EngineRead {
  readonly entry: Entry | undefined;
  readonly servedFrom: 'memtable' | 'sstable' | undefined;
  /** Null where the engine does not say how it found the key, with `traceUnavailable` saying so. */
  readonly trace: ReadTrace | null;
  readonly traceUnavailable?: string;
}

/** A figure the engine cannot report. */
export interface Unavailable {
  readonly value: null;
  readonly reason: string;
}

export interface EngineStats {
  readonly engine: string;
  readonly lastSeq: number;
  readonly horizonSeq: number | null;
  readonly snapshots: number[];
  readonly memtable: unknown;
  readonly levels: unknown;
  readonly bloom: unknown;
  readonly wal: unknown;
  readonly amplification: unknown;
  readonly io: unknown;
  readonly compaction: { readonly isPaused: boolean | null; readonly last: unknown };
  readonly writeStall: unknown;
  /** Why the null figures above are null. */
  readonly unavailable?: Record<string, string>;
}

export interface SstablesView {
  readonly levels: readonly {
    readonly level: number;
    readonly tables: readonly Record<string, unknown>[];
  }[];
  readonly unavailable?: string;
}

/** An `asOf` this engine cannot answer exactly (LevelDB: no pinned snapshot at that seq). */
export class AsOfUnavailableError extends Error {
  override readonly name = 'AsOfUnavailableError';
}

/** An operation this engine does not have. */
export class EngineUnsupportedError extends Error {
  override readonly name = 'EngineUnsupportedError';
}

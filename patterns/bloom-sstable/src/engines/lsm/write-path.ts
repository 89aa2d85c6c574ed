import { setTimeout as sleep } from 'node:timers/promises';
import type { WriteStall } from '../../domain/compaction-picker.ts';
import { writeStallFor } from '../../domain/compaction-picker.ts';
import { entrySizeBytes } from '../../domain/entry.ts';
import type { Entry, EntryKind } from '../../domain/entry.ts';
import type { EngineState } from './engine-state.ts';

/**
 * Writes and their back-pressure. A write is a WAL append and a memtable
 * insert in the same synchronous stretch (so the record and the memtable
 * generation always match), acknowledged once the record is durable under
 * the fsync policy. A full memtable waits for its flush; a deep L0 slows
 * each write, then stops them.
 */
export class WritePath {
  private readonly state: EngineState;
  /** Starts a flush of the full memtable (the background jobs' part). */
  private readonly startFlush: () => void;
  private admissionTail: Promise<void> = Promise.resolve();
  /** Writes waiting for admission: while any waits, a new write queues behind it, so seqs follow call order. */
  private queued = 0;

  constructor(state: EngineState, startFlush: () => void) {
    this.state = state;
    this.startFlush = startFlush;
  }

  async write(kind: EntryKind, key: string, value: string): Promise<{ seq: number }> {
    const s = this.state;
    // The common case admits at once, with no promise chained per write.
    if (this.queued > 0 || !this.canAdmitNow()) await this.takeTurn();
    if (s.isClosed) throw new Error('the store is closed');
    const entry: Entry = { key, seq: ++s.lastSeq, kind, value };
    const walBytes = s.wal.append(entry);
    const durable = s.wal.durable();
    s.memtable.add(entry);
    s.counters.userBytes += entrySizeBytes(entry);
    s.counters.walBytes += walBytes;
    this.flushIfFull();
    await durable;
    return { seq: entry.seq };
  }

  /**
   * Puts every pair or none (MSET): consecutive seqs in the order given (a repeated key ends with its last
   * value), one WAL record, and the memtable inserts in the same synchronous stretch, so neither a reader
   * of the engine nor a crash sees part of it.
   */
  async writeAll(pairs: readonly { key: string; value: string }[]): Promise<{ seqs: number[] }> {
    const s = this.state;
    if (this.queued > 0 || !this.canAdmitNow()) await this.takeTurn();
    if (s.isClosed) throw new Error('the store is closed');
    const entries = pairs.map((p): Entry => ({ key: p.key, seq: ++s.lastSeq, kind: 'put', value: p.value }));
    const walBytes = s.wal.appendBatch(entries);
    const durable = s.wal.durable();
    for (const entry of entries) {
      s.memtable.add(entry);
      s.counters.userBytes += entrySizeBytes(entry);
    }
    s.counters.walBytes += walBytes;
    this.flushIfFull();
    await durable;
    return { seqs: entries.map((e) => e.seq) };
  }

  private flushIfFull(): void {
    const s = this.state;
    if (s.memtable.sizeBytes >= s.options.memtableBytes && !s.immutable) this.startFlush();
  }

  /** A write that must wait takes a turn, first come first served (a pipelined SET k 1, SET k 2 must leave 2). */
  private async takeTurn(): Promise<void> {
    this.queued += 1;
    const turn = this.admissionTail.then(() => this.admit());
    this.admissionTail = turn.catch(() => undefined);
    try {
      await turn;
    } finally {
      this.queued -= 1;
    }
  }

  private canAdmitNow(): boolean {
    return this.state.failure === undefined && this.refreshStall() === 'none' && !this.isMemtableBlocked();
  }

  private isMemtableBlocked(): boolean {
    const s = this.state;
    return s.memtable.sizeBytes >= s.options.memtableBytes && s.immutable !== undefined;
  }

  /** Back-pressure: a full memtable waits for its flush; a deep L0 slows each write, then stops them. */
  private async admit(): Promise<void> {
    const s = this.state;
    for (;;) {
      if (s.failure) throw new Error(`the store stopped accepting writes: ${s.failure.message}`);
      const stall = this.refreshStall();
      if (stall === 'stop' || this.isMemtableBlocked()) {
        s.counters.stoppedWrites += 1;
        if (stall === 'stop' && s.isCompactionPaused && !s.compacting) {
          // A stopped write must not wait for a compaction that will never run.
          return;
        }
        await s.changed();
        continue;
      }
      if (stall === 'slowdown') {
        s.counters.slowedWrites += 1;
        await sleep(1);
      }
      return;
    }
  }

  /** The write stall L0's depth calls for now; recomputed on each write and whenever a flush or compaction ends. */
  refreshStall(): WriteStall {
    const s = this.state;
    const stall = writeStallFor(s.l0Tables, s.options.policy);
    if (stall !== s.stall) {
      s.stall = stall;
      s.listener({ type: 'stall', state: stall });
    }
    return stall;
  }
}

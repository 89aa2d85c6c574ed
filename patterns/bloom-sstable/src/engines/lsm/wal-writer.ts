import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ByteWriter } from '../../domain/bytes.ts';
import type { Entry } from '../../domain/entry.ts';
import { appendWalBatch, appendWalRecord } from '../../domain/wal-record.ts';

/**
 * The write-ahead log of the current memtable, with group commit: records
 * appended during one turn of the event loop are encoded into one buffer,
 * written with one write(2) and share one fdatasync. What "durable" means is
 * the fsync policy:
 * - `always`: a write is acknowledged after its record is fsynced;
 * - `batch`: after write(2) (it survives a process crash), fsynced within `batchMs` (a power loss may lose that window);
 * - `off`: after write(2); the OS flushes when it likes.
 */
export type FsyncPolicy = 'always' | 'batch' | 'off';

/** One group commit: every record appended while it was open is acknowledged (or failed) together. */
class Batch {
  readonly done: Promise<void>;
  resolve: () => void = () => undefined;
  reject: (error: Error) => void = () => undefined;
  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

export class WalWriter {
  readonly number: number;
  readonly file: string;
  private readonly fd: number;
  private readonly policy: FsyncPolicy;
  private readonly batchMs: number;
  private readonly extraFsyncDelayMs: () => number;
  /** The open batch's records; swapped with `writing` when it is committed, so appends never wait for a write. */
  private pending = new ByteWriter();
  private writing = new ByteWriter();
  private batch: Batch | undefined;
  private committing: Promise<void> | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private isDirty = false;
  private bytes: number;
  fsyncCount = 0;

  constructor(options: {
    number: number;
    file: string;
    sizeBytes: number;
    policy: FsyncPolicy;
    batchMs: number;
    extraFsyncDelayMs?: () => number;
  }) {
    this.number = options.number;
    this.file = options.file;
    this.fd = openSync(options.file, 'a');
    this.bytes = options.sizeBytes;
    this.policy = options.policy;
    this.batchMs = options.batchMs;
    this.extraFsyncDelayMs = options.extraFsyncDelayMs ?? (() => 0);
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Adds the entry's record to the open batch and returns its size; `durable()` says when it is safe. */
  append(entry: Entry): number {
    const size = appendWalRecord(this.pending, entry);
    if (!this.batch) this.batch = new Batch();
    if (!this.committing) this.committing = this.commitLoop();
    return size;
  }

  /** Adds one record holding all of `entries` (replayed all or none) and returns its size. */
  appendBatch(entries: readonly Entry[]): number {
    const size = appendWalBatch(this.pending, entries);
    if (!this.batch) this.batch = new Batch();
    if (!this.committing) this.committing = this.commitLoop();
    return size;
  }

  /** Resolves once every record appended so far is durable under the policy (one promise per batch). */
  durable(): Promise<void> {
    return this.batch?.done ?? Promise.resolve();
  }

  private async commitLoop(): Promise<void> {
    // Let the rest of this event-loop turn join the batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.batch) {
      const batch = this.batch;
      const records = this.pending;
      this.batch = undefined;
      this.pending = this.writing;
      this.writing = records;
      try {
        const data = records.written();
        let written = 0;
        while (written < data.length) written += writeSync(this.fd, data, written, data.length - written);
        this.bytes += data.length;
        if (this.policy === 'always') {
          await this.sync();
        } else if (this.policy === 'batch') {
          this.isDirty = true;
          this.batchTimer ??= setTimeout(() => {
            this.batchTimer = undefined;
            if (this.isDirty) this.sync().catch(() => undefined);
          }, this.batchMs);
        }
        batch.resolve();
      } catch (error) {
        batch.reject(error instanceof Error ? error : new Error(String(error)));
      }
      records.reset();
    }
    this.committing = undefined;
  }

  private async sync(): Promise<void> {
    this.isDirty = false;
    const delay = this.extraFsyncDelayMs();
    if (delay > 0) await sleep(delay);
    await new Promise<void>((resolve, reject) => fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
    this.fsyncCount += 1;
  }

  /** Waits for queued records, fsyncs whatever the policy, closes the file. */
  async close(): Promise<void> {
    while (this.committing) await this.committing;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    await this.sync();
    closeSync(this.fd);
  }
}

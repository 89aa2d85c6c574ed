import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The write-ahead log of the current memtable, with group commit: records
 * appended during one turn of the event loop are written together and share
 * one fdatasync. What "durable" means is the fsync policy:
 * - `always`: a write is acknowledged after its record is fsynced;
 * - `batch`: after write(2) (it survives a process crash), fsynced within `batchMs` (a power loss may lose that window);
 * - `off`: after write(2); the OS flushes when it likes.
 */
export type FsyncPolicy = 'always' | 'batch' | 'off';

interface Waiter {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class WalWriter {
  readonly number: number;
  readonly file: string;
  private readonly fd: number;
  private readonly policy: FsyncPolicy;
  private readonly batchMs: number;
  private readonly extraFsyncDelayMs: () => number;
  private queue: Waiter[] = [];
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

  /** Resolves once the record is durable under the policy. */
  append(record: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes: record, resolve, reject });
      if (!this.committing) this.committing = this.commitLoop();
    });
  }

  private async commitLoop(): Promise<void> {
    // Let the rest of this event-loop turn join the batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const total = batch.reduce((n, w) => n + w.bytes.length, 0);
        const joined = new Uint8Array(total);
        let at = 0;
        for (const w of batch) {
          joined.set(w.bytes, at);
          at += w.bytes.length;
        }
        let written = 0;
        while (written < joined.length)
          written += writeSync(this.fd, joined, written, joined.length - written);
        this.bytes += total;
        if (this.policy === 'always') {
          await this.sync();
        } else if (this.policy === 'batch') {
          this.isDirty = true;
          this.batchTimer ??= setTimeout(() => {
            this.batchTimer = undefined;
            if (this.isDirty) this.sync().catch(() => undefined);
          }, this.batchMs);
        }
        for (const w of batch) w.resolve();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const w of batch) w.reject(failure);
      }
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

import type { Entry } from './entry.ts';
import { entrySizeBytes, findVersion, lowerBound } from './entry.ts';

/**
 * The in-memory write buffer: a sorted array kept in (key asc, seq desc)
 * order by binary-search insertion. It keeps every version, not just the
 * newest, so `asOf` snapshot reads work before and after a flush. A skip
 * list gives the same order with cheaper inserts; an array is easier to read.
 */
export class Memtable {
  private readonly run: Entry[] = [];
  private bytes = 0;

  /** Inserts one version. Seqs are unique, so a version never replaces another. */
  add(entry: Entry): void {
    const at = lowerBound(this.run, entry.key, entry.seq);
    this.run.splice(at, 0, entry);
    this.bytes += entrySizeBytes(entry);
  }

  /** The newest version of `key` visible at `asOf` (tombstones included). */
  get(key: string, asOf = Number.MAX_SAFE_INTEGER): Entry | undefined {
    return findVersion(this.run, key, asOf);
  }

  /** Every version with start <= key < end (end undefined: to the last key), in order. */
  range(start: string, end: string | undefined): Entry[] {
    const from = lowerBound(this.run, start, Number.MAX_SAFE_INTEGER);
    const out: Entry[] = [];
    for (let i = from; i < this.run.length; i++) {
      const e = this.run[i];
      if (!e || (end !== undefined && e.key >= end)) break;
      out.push(e);
    }
    return out;
  }

  /** Lazily, every version with start <= key < end, in order. The memtable must not change while it is read. */
  *iterate(start: string, end: string | undefined): Generator<Entry> {
    for (let i = lowerBound(this.run, start, Number.MAX_SAFE_INTEGER); i < this.run.length; i++) {
      const e = this.run[i];
      if (!e || (end !== undefined && e.key >= end)) return;
      yield e;
    }
  }

  /** All versions in order: what a flush writes to an SSTable. */
  entries(): readonly Entry[] {
    return this.run;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get count(): number {
    return this.run.length;
  }
}

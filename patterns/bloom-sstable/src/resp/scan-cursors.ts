import { BoundedMap } from '@kvs-lab/shared/collections';
import type { ByteString } from '../domain/byte-string.ts';

const cursorSpace = 1n << 64n;

/**
 * A SCAN cursor read as Redis 7.0 reads one (strtoul in base 10, then a check that
 * nothing is left over): an optional sign and digits. "" is 0, leading zeros are
 * fine, "-n" wraps to 2^64 - n (so -1 is the last cursor, 2^64 - 1), and a
 * magnitude past 2^64 - 1 is refused. Undefined where Redis answers "invalid cursor".
 */
export function parseScanCursor(text: string): bigint | undefined {
  const match = /^([+-]?)(\d*)$/.exec(text);
  if (!match) return undefined;
  const sign = match[1] ?? '';
  const digits = (match[2] ?? '').replace(/^0+(?=\d)/, '');
  // A sign with no digit after it is no number at all; nothing at all is 0.
  if (digits === '') return sign === '' ? 0n : undefined;
  if (digits.length > 20) return undefined;
  const n = BigInt(digits);
  if (n >= cursorSpace) return undefined;
  return sign === '-' ? (cursorSpace - n) % cursorSpace : n;
}

/** Where a cursor resumes: a key (0 is the start), or why there is none. */
export type ScanResume = { readonly at: ByteString } | 'expired' | 'never-issued';

/**
 * SCAN cursors. Redis encodes its position in the hash table in the cursor
 * itself; an LSM store's position is a key, which does not fit in the
 * unsigned 64-bit number clients expect (redis-cli parses it with strtoull).
 * So the server keeps the next key under a fresh number, for the most recent
 * `capacity` cursors. Resuming at the next key in key order keeps SCAN's
 * promise: every key present for the whole iteration is returned (exactly
 * once here).
 *
 * Numbers start at the process's start time in microseconds, so a cursor this
 * process cannot resume tells which case it is: below the next number it was
 * handed out (here, and forgotten, or by the process before a restart) and the
 * client must start again rather than believe the iteration is over; at or
 * above it (-1 is 2^64 - 1) it names no position this store ever had, and the
 * iteration ends, as Redis ends one past the end of its table.
 */
export class ScanCursors {
  private readonly positions: BoundedMap<bigint, ByteString>;
  private next: bigint;

  constructor(capacity = 4096, firstCursor = BigInt(Date.now()) * 1000n) {
    this.positions = new BoundedMap(capacity);
    this.next = firstCursor;
  }

  /** The cursor to hand out for a scan that continues at `key`. */
  save(key: ByteString): string {
    const cursor = this.next++;
    this.positions.set(cursor, key);
    return String(cursor);
  }

  resume(cursor: bigint): ScanResume {
    if (cursor === 0n) return { at: '' };
    const key = this.positions.get(cursor);
    if (key !== undefined) return { at: key };
    return cursor < this.next ? 'expired' : 'never-issued';
  }
}

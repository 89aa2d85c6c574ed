import { BoundedMap } from '@kvs-lab/shared/collections';
import type { ByteString } from '../domain/byte-string.ts';

/**
 * SCAN cursors. Redis encodes its position in the hash table in the cursor
 * itself; an LSM store's position is a key, which does not fit in the
 * unsigned 64-bit number clients expect (redis-cli parses it with strtoull).
 * So the server keeps the next key under a fresh number, for the most recent
 * `capacity` cursors; an older cursor answers an error and the client starts
 * again at 0. Resuming at the next key in key order keeps SCAN's promise:
 * every key present for the whole iteration is returned (exactly once here).
 */
export class ScanCursors {
  private readonly positions: BoundedMap<string, ByteString>;
  private next = 1;
  private readonly capacity: number;

  constructor(capacity = 4096) {
    this.capacity = capacity;
    this.positions = new BoundedMap(capacity);
  }

  /** The cursor to hand out for a scan that continues at `key`. */
  save(key: ByteString): string {
    const cursor = String(this.next++);
    this.positions.set(cursor, key);
    return cursor;
  }

  /** '' for cursor 0 (the start), the saved key, or undefined for an unknown or expired cursor. */
  resume(cursor: string): ByteString | undefined {
    if (cursor === '0') return '';
    return this.positions.get(cursor);
  }
}

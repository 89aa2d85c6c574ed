import type { ByteString } from '../../domain/byte-string.ts';
import { fromBytes, toBytes } from '../../domain/byte-string.ts';

/**
 * How the store's data sits in LevelDB. LevelDB keeps its own sequence
 * numbers but does not show them, so each value carries the store's seq:
 * `[8-byte seq][value bytes]`. User keys live under `k`, the store's own
 * record (the last seq) under `m`, so no user key can collide with it.
 */
export const userKeyPrefix = 'k';
export const lastSeqKey = 'm:lastSeq';

export function storedKey(key: ByteString): Buffer {
  return Buffer.from(userKeyPrefix + key, 'latin1');
}

export function userKeyOf(stored: Uint8Array): ByteString {
  return fromBytes(stored.subarray(1));
}

export function encodeStoredValue(seq: number, value: ByteString): Buffer {
  const out = Buffer.alloc(8 + value.length);
  out.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 0);
  out.writeUInt32BE(seq % 0x1_0000_0000, 4);
  out.set(toBytes(value), 8);
  return out;
}

export function decodeStoredValue(stored: Uint8Array): { seq: number; value: ByteString } {
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (b.length < 8) throw new Error('a stored value shorter than its seq header');
  return { seq: b.readUInt32BE(0) * 0x1_0000_0000 + b.readUInt32BE(4), value: fromBytes(b.subarray(8)) };
}

export function encodeSeq(seq: number): Buffer {
  return Buffer.from(String(seq));
}

/** The files LevelDB lists per level in its `leveldb.sstables` property: `  12:4096['a' @ 3 : 1 .. 'z' @ 9 : 1]`. */
export function parseSstablesProperty(text: string): { level: number; file: number; sizeBytes: number }[] {
  const out: { level: number; file: number; sizeBytes: number }[] = [];
  let level = -1;
  for (const line of text.split('\n')) {
    const header = /^--- level (\d+) ---/.exec(line);
    if (header) {
      level = Number(header[1]);
      continue;
    }
    const file = /^\s*(\d+):(\d+)\[/.exec(line);
    if (file && level >= 0) out.push({ level, file: Number(file[1]), sizeBytes: Number(file[2]) });
  }
  return out;
}

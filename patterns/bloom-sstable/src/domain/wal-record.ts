import { ByteReader, ByteWriter, CorruptionError } from './bytes.ts';
import { crc32 } from './crc32.ts';
import type { Entry } from './entry.ts';
import { entryKindCodes, entryKindOf } from './entry.ts';

/**
 * One write-ahead-log record: [u32 crc][u32 length][payload], the crc over
 * length and payload. A crash mid-append leaves a short or mismatching last
 * record (a torn tail); recovery keeps every record before it and reports
 * the discarded bytes, because an unacknowledged write may be lost, never
 * an acknowledged one.
 */

const headerBytes = 8;

/** One WAL record: `[crc32][length][kind, seq, key, value]`, the CRC covering everything after it. */
export function encodeWalRecord(entry: Entry): Uint8Array {
  const w = new ByteWriter();
  appendWalRecord(w, entry);
  return w.finish();
}

/**
 * Appends one record to `w` and returns its size: the WAL writer encodes a whole group commit into one
 * buffer this way, so a put costs one copy of its bytes (string to batch) before write(2).
 */
export function appendWalRecord(w: ByteWriter, entry: Entry): number {
  const start = w.size;
  w.u32(0);
  w.u32(0);
  appendEntry(w, entry);
  const end = w.size;
  w.patchU32(start + 4, end - start - headerBytes);
  w.patchU32(start, crc32(w.written(), start + 4, end));
  return end - start;
}

/**
 * A WAL-only code beside the entry kinds: one record holding several entries (MSET). Its one CRC makes it
 * all or nothing: a crash mid-append leaves a torn record, and replay keeps none of its entries.
 */
const batchCode = 3;

/** Appends one record holding every entry of `entries` and returns its size. */
export function appendWalBatch(w: ByteWriter, entries: readonly Entry[]): number {
  const start = w.size;
  w.u32(0);
  w.u32(0);
  w.u8(batchCode);
  w.u32(entries.length);
  for (const entry of entries) appendEntry(w, entry);
  const end = w.size;
  w.patchU32(start + 4, end - start - headerBytes);
  w.patchU32(start, crc32(w.written(), start + 4, end));
  return end - start;
}

function appendEntry(w: ByteWriter, entry: Entry): void {
  w.u8(entryKindCodes[entry.kind]);
  w.seq(entry.seq);
  w.shortString(entry.key);
  w.longString(entry.value);
}

export interface WalReplay {
  readonly entries: Entry[];
  /** Bytes of whole, verified records: where the next append goes. */
  readonly validBytes: number;
  readonly discardedBytes: number;
  /** Why replay stopped early, when it did. */
  readonly stopReason?: string;
}

/** Replays a log: every record up to the first torn or corrupt one. */
export function decodeWal(data: Uint8Array): WalReplay {
  const entries: Entry[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  let stopReason: string | undefined;
  while (offset < data.length) {
    if (data.length - offset < headerBytes) {
      stopReason = 'torn header';
      break;
    }
    const storedCrc = view.getUint32(offset, true);
    const length = view.getUint32(offset + 4, true);
    const end = offset + headerBytes + length;
    if (end > data.length) {
      stopReason = 'torn record';
      break;
    }
    if (crc32(data, offset + 4, end) !== storedCrc) {
      stopReason = `checksum mismatch at byte ${offset}`;
      break;
    }
    try {
      entries.push(...decodePayload(data.subarray(offset + headerBytes, end)));
    } catch (error) {
      stopReason = error instanceof Error ? error.message : 'undecodable record';
      break;
    }
    offset = end;
  }
  return {
    entries,
    validBytes: offset,
    discardedBytes: data.length - offset,
    ...(stopReason ? { stopReason } : {}),
  };
}

/** The entries of one record: one, or a batch's all (decoded whole before any is kept). */
function decodePayload(payload: Uint8Array): Entry[] {
  const r = new ByteReader(payload);
  if (payload[0] !== batchCode) return [decodeEntry(r)];
  r.u8();
  const count = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) entries.push(decodeEntry(r));
  return entries;
}

function decodeEntry(r: ByteReader): Entry {
  const code = r.u8();
  const kind = entryKindOf(code);
  if (!kind) throw new CorruptionError(`unknown record kind ${code}`);
  const seq = r.seq();
  const key = r.shortString();
  const value = r.longString();
  return { key, seq, kind, value };
}

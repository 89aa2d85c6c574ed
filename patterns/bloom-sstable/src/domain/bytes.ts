/**
 * Little-endian byte writing and reading for the on-disk formats. Sequence
 * numbers are written as two 32-bit halves, so any seq below 2^53 round-trips.
 */

import type { ByteString } from './byte-string.ts';

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text` (the manifest's JSON; keys and values are byte strings already). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

// HTTP values are text: their size is counted in UTF-8 bytes, the kit's RESP module holds the one definition.
export { utf8Length } from '@kvs-lab/shared/resp';

/** Thrown when bytes on disk are not what the format promises (bad checksum, bad magic, short read). */
export class CorruptionError extends Error {
  override readonly name = 'CorruptionError';
}

/** A growing little-endian buffer: the one writer of every on-disk format. */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  /** The same memory as a Buffer, for its native latin1 copy of longer byte strings. */
  private nodeBuffer: Buffer;
  private length = 0;

  /** `capacity`: the bytes expected, when known (an SSTable's), so the buffer need not grow. */
  constructor(capacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buffer.buffer);
    this.nodeBuffer = Buffer.from(this.buffer.buffer);
  }

  get size(): number {
    return this.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
    this.nodeBuffer = Buffer.from(next.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  u16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }

  seq(value: number): void {
    this.u32(Math.floor(value / 0x1_0000_0000));
    this.u32(value % 0x1_0000_0000);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** A u16 length then the bytes (keys). */
  shortString(text: ByteString): void {
    this.u16(text.length);
    this.byteString(text);
  }

  /** A u32 length then the bytes (values). */
  longString(text: ByteString): void {
    this.u32(text.length);
    this.byteString(text);
  }

  /** A byte string's chars are its bytes: copied straight in, without an intermediate Buffer per string. */
  private byteString(text: ByteString): void {
    this.reserve(text.length);
    const at = this.length;
    // A short key is copied faster by hand than through a native call; a value, natively.
    if (text.length >= 32) this.nodeBuffer.write(text, at, text.length, 'latin1');
    else for (let i = 0; i < text.length; i++) this.buffer[at + i] = text.charCodeAt(i);
    this.length += text.length;
  }

  /** Overwrites 4 bytes written earlier (a record's length and CRC, known once its payload is written). */
  patchU32(at: number, value: number): void {
    this.view.setUint32(at, value >>> 0, true);
  }

  /** What was written so far, as a view (no copy): valid until the next write or `reset`. */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** Empties the writer and keeps its buffer, so a writer reused per batch allocates once. */
  reset(): void {
    this.length = 0;
  }

  /** Appends the CRC-32 of everything written since `from`. */
  checksumSince(from: number, crc: (bytes: Uint8Array, start: number, end: number) => number): void {
    this.u32(crc(this.buffer, from, this.length));
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Reads what ByteWriter wrote; a read past the end throws CorruptionError instead of returning garbage. */
export class ByteReader {
  private readonly data: Uint8Array;
  private readonly view: DataView;
  /** The same bytes as a Buffer: a string is sliced out of it without a view object per string. */
  private readonly nodeData: Buffer;
  offset: number;

  constructor(data: Uint8Array, offset = 0) {
    this.data = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.nodeData = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.offset = offset;
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(count: number): void {
    if (this.offset + count > this.data.length) throw new CorruptionError(`short read: need ${count} bytes`);
  }

  u8(): number {
    this.need(1);
    const v = this.view.getUint8(this.offset);
    this.offset += 1;
    return v;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  seq(): number {
    const high = this.u32();
    return high * 0x1_0000_0000 + this.u32();
  }

  bytes(count: number): Uint8Array {
    this.need(count);
    const v = this.data.subarray(this.offset, this.offset + count);
    this.offset += count;
    return v;
  }

  shortString(): ByteString {
    return this.byteString(this.u16());
  }

  longString(): ByteString {
    return this.byteString(this.u32());
  }

  private byteString(count: number): ByteString {
    this.need(count);
    const start = this.offset;
    this.offset += count;
    return this.nodeData.toString('latin1', start, start + count);
  }
}

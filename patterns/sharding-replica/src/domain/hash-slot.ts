/**
 * Redis Cluster's key -> slot function: CRC16 (the XMODEM variant: polynomial 0x1021, initial value 0,
 * no reflection, no final XOR) of the key's bytes, modulo 16384. A key containing a hash tag `{...}`
 * hashes only the tag, so keys that share a tag share a slot and can meet in one MULTI or script.
 */

/** Slots in a Redis Cluster: the key space is cut into this many pieces, each owned by one master. */
export const slotCount = 16384;

// One table entry per byte value: the CRC of that byte shifted through the polynomial 0x1021.
const table: readonly number[] = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** CRC16-XMODEM of some bytes, as a number in [0, 65535]. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (table[((crc >> 8) ^ byte) & 0xff] as number);
  return crc;
}

/**
 * The part of the key that is hashed: the bytes between the first `{` and the first `}` after it,
 * when there is at least one byte between them; otherwise the whole key (so `foo{}{bar}` hashes whole).
 */
export function hashTagOf(key: Uint8Array): Uint8Array {
  const open = key.indexOf(0x7b); // '{'
  if (open === -1) return key;
  const close = key.indexOf(0x7d, open + 1); // '}'
  if (close === -1 || close === open + 1) return key;
  return key.subarray(open + 1, close);
}

const utf8 = new TextEncoder();

/** The hash slot of a key (its UTF-8 bytes, as Redis sees them), honouring hash tags. */
export function hashSlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? utf8.encode(key) : key;
  // 16384 is a power of two: the modulo keeps the low 14 bits.
  return crc16(hashTagOf(bytes)) & (slotCount - 1);
}

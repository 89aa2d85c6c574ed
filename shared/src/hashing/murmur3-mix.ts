// The two mixing steps MurmurHash3's 32-bit and 128-bit x86 variants share.

/** Rotate a 32-bit word left by `r` bits. */
export function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The reference's finalization mix: after it, each input bit flips each output bit with probability ~1/2. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

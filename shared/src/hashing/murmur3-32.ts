import { readWordLE, toBytes } from './bytes.ts';
import { fmix32, rotl32 } from './murmur3-mix.ts';

/**
 * MurmurHash3 x86_32, Austin Appleby's public-domain hash, ported from the
 * reference `MurmurHash3.cpp` in aappleby/smhasher. JavaScript numbers are
 * doubles, so every 32-bit product goes through `Math.imul` and every result
 * is brought back to unsigned with `>>> 0`.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86_32 of a string (as UTF-8) or bytes: an unsigned 32-bit integer. */
export function murmur3_32(input: string | Uint8Array, seed = 0): number {
  const data = toBytes(input);
  const length = data.length;
  const blockEnd = length - (length & 3);
  let h1 = seed >>> 0;

  // Body: each 4-byte block, read little-endian as the reference does on x86.
  for (let i = 0; i < blockEnd; i += 4) {
    h1 ^= scramble32(readWordLE(data, i));
    h1 = rotl32(h1, 13);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }

  // Tail: the last 1-3 bytes are scrambled in without the body's rotate-and-add.
  if (blockEnd < length) h1 ^= scramble32(readWordLE(data, blockEnd, length - blockEnd));

  // Finalization: fold in the length, then avalanche so every input bit reaches every output bit.
  h1 ^= length;
  return fmix32(h1);
}

/** The reference's per-block scramble: multiply, rotate, multiply. */
function scramble32(k: number): number {
  return Math.imul(rotl32(Math.imul(k, C1), 15), C2);
}

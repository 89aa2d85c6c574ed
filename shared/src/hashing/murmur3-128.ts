import { readWordLE, toBytes } from './bytes.ts';
import { fmix32, rotl32 } from './murmur3-mix.ts';

/**
 * MurmurHash3 x86_128, from the same reference file as murmur3_32. It keeps
 * four 32-bit lanes that feed each other, so it runs on 32-bit arithmetic
 * (cheap in JavaScript, unlike the x64 variant's 64-bit multiplies) and still
 * yields 128 well-mixed bits: enough for Merkle node hashes and 64-bit keys.
 * Note the x86 and x64 128-bit variants give different results by design.
 */

/** A 128-bit MurmurHash3 digest as four unsigned 32-bit words, h1 first, as the reference writes them. */
export type Murmur3Digest128 = readonly [number, number, number, number];

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** MurmurHash3 x86_128 of a string (as UTF-8) or bytes. */
export function murmur3_x86_128(input: string | Uint8Array, seed = 0): Murmur3Digest128 {
  const data = toBytes(input);
  const length = data.length;
  const blockEnd = length - (length & 15);
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;

  // Body: 16-byte blocks, four little-endian words, each lane also stirred by the next.
  for (let i = 0; i < blockEnd; i += 16) {
    h1 ^= mixK(readWordLE(data, i), C1, 15, C2);
    h1 = (Math.imul(rotl32(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK(readWordLE(data, i + 4), C2, 16, C3);
    h2 = (Math.imul(rotl32(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK(readWordLE(data, i + 8), C3, 17, C4);
    h3 = (Math.imul(rotl32(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK(readWordLE(data, i + 12), C4, 18, C1);
    h4 = (Math.imul(rotl32(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }

  // Tail: up to 15 bytes, each lane taking its 4-byte share, read little-endian.
  const tail = length & 15;
  if (tail > 12) h4 ^= mixK(readWordLE(data, blockEnd + 12, tail - 12), C4, 18, C1);
  if (tail > 8) h3 ^= mixK(readWordLE(data, blockEnd + 8, Math.min(tail - 8, 4)), C3, 17, C4);
  if (tail > 4) h2 ^= mixK(readWordLE(data, blockEnd + 4, Math.min(tail - 4, 4)), C2, 16, C3);
  if (tail > 0) h1 ^= mixK(readWordLE(data, blockEnd, Math.min(tail, 4)), C1, 15, C2);

  // Finalization: fold in the length, cross-add the lanes, avalanche each, cross-add again.
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** The first 64 bits of murmur3_x86_128 (h1 high, h2 low) as an unsigned bigint, e.g. a jump hash key. */
export function murmur3_64(input: string | Uint8Array, seed = 0): bigint {
  const [h1, h2] = murmur3_x86_128(input, seed);
  return (BigInt(h1) << 32n) | BigInt(h2);
}

/** A digest as 32 hex digits, word by word (h1 first), each word most significant digit first. */
export function digestToHex(digest: Murmur3Digest128): string {
  return digest.map((w) => w.toString(16).padStart(8, '0')).join('');
}

function mixK(k: number, ca: number, r: number, cb: number): number {
  return Math.imul(rotl32(Math.imul(k, ca), r), cb);
}

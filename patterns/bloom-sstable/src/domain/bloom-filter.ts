import { murmur3_32 } from '@kvs-lab/shared/hashing';
import type { ByteString } from './byte-string.ts';
import { ByteReader, ByteWriter, CorruptionError } from './bytes.ts';

/**
 * A Bloom filter per SSTable: m bits, k hash functions, n keys. "No" is
 * certain (no false negatives: every added key set all its k bits), "maybe"
 * is wrong with probability (1 - e^(-kn/m))^k. With m/n bits per key the
 * best k is (m/n)·ln 2, which gives about 0.82 % at 10 bits per key.
 */
export interface BloomFilter {
  readonly bits: Uint8Array;
  readonly bitCount: number;
  readonly hashCount: number;
  readonly keyCount: number;
}

const seedA = 0x9747b28c;
const seedB = 0x5bd1e995;

/** The k that minimises the false-positive rate for a given density. */
export function optimalHashCount(bitsPerKey: number): number {
  return Math.max(1, Math.min(30, Math.round(bitsPerKey * Math.LN2)));
}

/** (1 - e^(-kn/m))^k: the textbook false-positive probability. */
export function theoreticalFalsePositiveRate(bitCount: number, keyCount: number, hashCount: number): number {
  if (keyCount === 0) return 0;
  return (1 - Math.exp((-hashCount * keyCount) / bitCount)) ** hashCount;
}

/** A key's two base hashes: computed once per read, then asked of every candidate table's filter. */
export interface FilterHashes {
  readonly h1: number;
  readonly h2: number;
}

/** One reused array per key length: hashing a key's bytes allocates nothing on the read path. */
const scratchByLength = new Map<number, Uint8Array>();

function bytesOf(key: ByteString): Uint8Array {
  let scratch = scratchByLength.get(key.length);
  if (!scratch) {
    scratch = new Uint8Array(key.length);
    scratchByLength.set(key.length, scratch);
  }
  for (let i = 0; i < key.length; i++) scratch[i] = key.charCodeAt(i);
  return scratch;
}

export function filterHashes(key: ByteString): FilterHashes {
  const data = bytesOf(key);
  return { h1: murmur3_32(data, seedA), h2: murmur3_32(data, seedB) | 1 };
}

/**
 * Kirsch-Mitzenmacher double hashing: k bit positions from two hashes,
 * h1 + i·h2 (mod m), as good as k independent hashes for a Bloom filter.
 * Stepped in integers: (h1 mod m) + i·(h2 mod m), wrapped, is the same
 * position without a floating-point modulo per hash.
 */
function firstBit(hashes: FilterHashes, bitCount: number): number {
  return hashes.h1 % bitCount;
}

function bitStep(hashes: FilterHashes, bitCount: number): number {
  return (hashes.h2 >>> 0) % bitCount;
}

/** Builds the filter of a set of keys at `bitsPerKey` density (at least 64 bits). */
export function buildBloomFilter(keys: readonly string[], bitsPerKey: number): BloomFilter {
  const bitCount = Math.max(64, Math.ceil(keys.length * bitsPerKey));
  const hashCount = optimalHashCount(bitsPerKey);
  const bits = new Uint8Array(Math.ceil(bitCount / 8));
  for (const key of keys) {
    const hashes = filterHashes(key);
    const step = bitStep(hashes, bitCount);
    let bit = firstBit(hashes, bitCount);
    for (let i = 0; i < hashCount; i++) {
      bits[bit >>> 3] = (bits[bit >>> 3] ?? 0) | (1 << (bit & 7));
      bit += step;
      if (bit >= bitCount) bit -= bitCount;
    }
  }
  return { bits, bitCount, hashCount, keyCount: keys.length };
}

/** False: the key is certainly not in the table. True: it may be. */
export function mayContain(filter: BloomFilter, key: string): boolean {
  return mayContainHashes(filter, filterHashes(key));
}

/** `mayContain` for hashes already computed: a read over several tables hashes its key once. */
export function mayContainHashes(filter: BloomFilter, hashes: FilterHashes): boolean {
  const { bits, bitCount } = filter;
  const step = bitStep(hashes, bitCount);
  let bit = firstBit(hashes, bitCount);
  for (let i = 0; i < filter.hashCount; i++) {
    if (((bits[bit >>> 3] ?? 0) & (1 << (bit & 7))) === 0) return false;
    bit += step;
    if (bit >= bitCount) bit -= bitCount;
  }
  return true;
}

/** [u32 bitCount][u8 hashCount][u32 keyCount][bits]: the filter section of an SSTable. */
export function encodeBloomFilter(filter: BloomFilter): Uint8Array {
  const w = new ByteWriter();
  w.u32(filter.bitCount);
  w.u8(filter.hashCount);
  w.u32(filter.keyCount);
  w.bytes(filter.bits);
  return w.finish();
}

/** Reads a filter written by `encodeBloomFilter`; throws CorruptionError when it has no bits or no hashes. */
export function decodeBloomFilter(data: Uint8Array): BloomFilter {
  const r = new ByteReader(data);
  const bitCount = r.u32();
  const hashCount = r.u8();
  const keyCount = r.u32();
  if (bitCount === 0 || hashCount === 0) throw new CorruptionError('bloom filter with no bits or no hashes');
  const bits = r.bytes(Math.ceil(bitCount / 8)).slice();
  return { bits, bitCount, hashCount, keyCount };
}

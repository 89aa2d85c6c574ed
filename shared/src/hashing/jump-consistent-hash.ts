import { murmur3_64 } from './murmur3-128.ts';

/**
 * Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent
 * Hash Algorithm", 2014). It maps a 64-bit key to one of `buckets` buckets
 * with no ring and no memory: a 64-bit LCG seeded by the key decides, bucket
 * count by bucket count, whether the key "jumps" to a later bucket. Growing
 * from n to n+1 buckets moves exactly the keys that jump to the new bucket,
 * about 1/(n+1) of them. The price: buckets are numbered 0..n-1, so only the
 * last bucket can be removed without remapping; it suits numbered shards, not
 * named nodes that fail at random (use the ring or rendezvous for those).
 */

const UINT64_MASK = (1n << 64n) - 1n;
// The paper's 64-bit LCG multiplier; its output's top 31 bits drive each jump.
const LCG_MULTIPLIER = 2862933555777941757n;
const TWO_POW_31 = 2 ** 31;

/** The bucket in [0, buckets) for a 64-bit key (a bigint or a non-negative safe integer). */
export function jumpConsistentHash(key: bigint | number, buckets: number): number {
  if (!Number.isSafeInteger(buckets) || buckets < 1 || buckets > 2 ** 31 - 1) {
    throw new RangeError(
      `jumpConsistentHash: buckets must be an integer in [1, 2^31), got ${String(buckets)}`,
    );
  }
  let state = toUint64(key);
  let bucket = -1;
  let next = 0;
  // Each round the key jumps forward to `next`; the last jump below `buckets` is its bucket.
  while (next < buckets) {
    bucket = next;
    state = (state * LCG_MULTIPLIER + 1n) & UINT64_MASK;
    next = Math.floor((bucket + 1) * (TWO_POW_31 / (Number(state >> 33n) + 1)));
  }
  return bucket;
}

/** A string key as the 64-bit integer jump hash needs: the first 64 bits of murmur3_x86_128. */
export function jumpHashKey(key: string): bigint {
  return murmur3_64(key);
}

function toUint64(key: bigint | number): bigint {
  const value = typeof key === 'number' && Number.isSafeInteger(key) ? BigInt(key) : key;
  if (typeof value !== 'bigint' || value < 0n || value > UINT64_MASK) {
    throw new RangeError(`jumpConsistentHash: key must be an integer in [0, 2^64), got ${String(key)}`);
  }
  return value;
}

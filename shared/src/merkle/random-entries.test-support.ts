// Deterministic randomness for the Merkle property tests: a failure replays exactly.
import type { MerkleEntry } from './merkle-tree.ts';

/** mulberry32: a tiny seeded 32-bit PRNG, plenty for shuffling test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates shuffled copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** `count` entries `key:<i>` with digests `v1:<i>`. */
export function entries(count: number): MerkleEntry[] {
  return Array.from({ length: count }, (_, i) => ({ key: `key:${i}`, digest: `v1:${i}` }));
}

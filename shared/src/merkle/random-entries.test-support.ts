// Deterministic randomness for the Merkle property tests: a failure replays exactly.
import type { MerkleEntry } from './merkle-tree.ts';
import { seededRandom } from '../testing/seeded-random.ts';

export { seededRandom };

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

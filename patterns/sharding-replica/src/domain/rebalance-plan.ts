import { createRing, murmur3_32, ownerOf } from '@kvs-lab/shared/hashing';
import type { HashRing } from '@kvs-lab/shared/hashing';

/**
 * Which keys a ring change moves. Consistent hashing's promise is that only
 * the arcs next to the joining (or leaving) shard's virtual nodes change
 * hands, so about 1/(n+1) of the keys move when an n-shard ring grows by one,
 * where `hash mod n` moves about n/(n+1) of them.
 */

export interface KeyMove {
  readonly key: string;
  readonly from: string;
  readonly to: string;
}

/** The keys (seen on shard `from`) whose owner differs between the two rings. */
export function planMoves(
  keys: Iterable<string>,
  from: string,
  before: HashRing,
  after: HashRing,
): KeyMove[] {
  const moves: KeyMove[] = [];
  for (const key of keys) {
    if (ownerOf(before, key) !== from) continue; // not this shard's key under the old ring: not ours to move
    const to = ownerOf(after, key);
    if (to !== from) moves.push({ key, from, to });
  }
  return moves;
}

/** Whether a ring change moves `key`: the router routes such keys through the migration path. */
export function isMoving(key: string, before: HashRing, after: HashRing): boolean {
  return ownerOf(before, key) !== ownerOf(after, key);
}

/** The fraction of `keys` whose owner differs between two rings. */
export function movedFraction(keys: readonly string[], before: HashRing, after: HashRing): number {
  if (keys.length === 0) return 0;
  return keys.filter((key) => isMoving(key, before, after)).length / keys.length;
}

/** The same figure for `hash mod n`: the scheme consistent hashing replaces. */
export function moduloMovedFraction(hashes: readonly number[], before: number, after: number): number {
  if (hashes.length === 0) return 0;
  return hashes.filter((h) => h % before !== h % after).length / hashes.length;
}

/** Keys per node, and max/mean: 1.0 is perfect balance. */
export function balance(
  keys: readonly string[],
  ring: HashRing,
): { readonly perNode: Readonly<Record<string, number>>; readonly maxOverMean: number } {
  const perNode: Record<string, number> = Object.fromEntries(ring.nodes.map((n) => [n, 0]));
  for (const key of keys) {
    const owner = ownerOf(ring, key);
    perNode[owner] = (perNode[owner] ?? 0) + 1;
  }
  const counts = Object.values(perNode);
  const mean = keys.length / Math.max(1, ring.nodes.length);
  return { perNode, maxOverMean: mean === 0 ? 0 : Math.max(...counts) / mean };
}

/**
 * What-if figures for `sampleKeys` synthetic keys (`key-0`, `key-1`, ...) on a
 * ring of `active` shards with `virtualNodes` each: the balance, and the share
 * of keys that move when `standby` joins, on the ring and with `hash mod n`.
 */
export function whatIfReport(
  active: readonly string[],
  standby: string,
  options: { readonly virtualNodes: number; readonly sampleKeys: number },
) {
  const { virtualNodes, sampleKeys } = options;
  const before = createRing({ virtualNodes, nodes: active });
  const after = createRing({ virtualNodes, nodes: [...active, standby] });
  const sample = Array.from({ length: sampleKeys }, (_, i) => `key-${i}`);
  const result = balance(sample, before);
  return {
    virtualNodes,
    sampleKeys,
    shards: active,
    keysPerShard: result.perNode,
    maxOverMean: result.maxOverMean,
    addShard: {
      shard: standby,
      ringMovedFraction: movedFraction(sample, before, after),
      moduloMovedFraction: moduloMovedFraction(
        sample.map((k) => murmur3_32(k)),
        active.length,
        active.length + 1,
      ),
      idealFraction: 1 / (active.length + 1),
    },
  };
}

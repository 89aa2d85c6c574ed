import { murmur3_32 } from '@kvs-lab/shared/hashing';

/**
 * Where each node sits on the ring: at murmur3_32 of its id, the same hash the
 * kit's consistent-hash ring uses. Ties (never seen in practice) fall back to
 * the id so every node computes the same order from the same member list.
 */
export function ringOrder(nodeIds: readonly string[]): readonly string[] {
  return [...new Set(nodeIds)]
    .map((id) => ({ id, position: murmur3_32(id) }))
    .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1))
    .map(({ id }) => id);
}

/** The `count` nodes after `nodeId` going clockwise, never itself: the ones it monitors. */
export function successorsOf(order: readonly string[], nodeId: string, count: number): readonly string[] {
  const at = order.indexOf(nodeId);
  if (at < 0) throw new RangeError(`${nodeId} is not on the ring`);
  const others = order.length - 1;
  return Array.from({ length: Math.min(count, others) }, (_, i) => order[(at + 1 + i) % order.length] ?? '');
}

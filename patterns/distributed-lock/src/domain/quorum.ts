/**
 * The rule Redlock rests on. With N independent masters, a lease counts only
 * when a majority granted it: any two majorities of the same N share at least
 * one node, and that node never holds two leases on one resource at once.
 */

/** Votes needed out of `nodeCount`: 3 of 5. */
export const quorumSize = (nodeCount: number): number => Math.floor(nodeCount / 2) + 1; // any two majorities share a node

/**
 * How long the lease can be trusted once granted: the TTL minus the time the
 * attempt took (the nodes started counting when they said yes) minus an
 * allowance for clock drift between the nodes and this process.
 */
export function validityMs(input: {
  readonly ttlMs: number;
  readonly elapsedMs: number;
  readonly driftFactor: number;
}): number {
  // The 2 ms floor follows the Redlock spec: the nodes' expiry resolution is 1 ms.
  const driftMs = Math.round(input.ttlMs * input.driftFactor) + 2;
  return Math.floor(input.ttlMs - input.elapsedMs - driftMs);
}

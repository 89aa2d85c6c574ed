/**
 * Deadlock avoidance for multi-resource locks: if every caller takes its
 * locks in one global order, no cycle of "I hold A and wait for B" can form,
 * because whoever holds the larger resource never waits for a smaller one.
 */

export type LockOrder = 'canonical' | 'as-given';

/** The order in which to take `resources`: sorted by code unit for `canonical`, untouched for `as-given`. */
export function lockOrder(resources: readonly string[], order: LockOrder): readonly string[] {
  if (order === 'as-given') return [...resources];
  return [...resources].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The first name listed twice, if any: locking one resource twice would wait for itself. */
export function firstDuplicate(resources: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const r of resources) {
    if (seen.has(r)) return r;
    seen.add(r);
  }
  return undefined;
}

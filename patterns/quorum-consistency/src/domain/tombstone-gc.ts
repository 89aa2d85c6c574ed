import { versionId } from './versioned-value.ts';
import type { StoredVersion } from './versioned-value.ts';

/** Whether a tombstone may be collected, with the reason when it may not. */
export type CollectDecision =
  | { readonly collect: true; readonly versionId: string }
  | { readonly collect: false; readonly reason: string };

/**
 * When a tombstone may be forgotten. Dropping it early is how deleted data
 * comes back: a replica that never saw the delete still holds the old value,
 * and with no tombstone left to beat it, repair would copy the value back
 * everywhere. So a tombstone is collected only when every one of the N
 * replicas answered with that same tombstone alone, no hint for the key is
 * still waiting, and it is older than a grace period.
 */
export function decideTombstoneCollection(input: {
  /** What each replica holds for the key; `undefined` for a replica that did not answer. */
  readonly replicas: readonly (readonly StoredVersion[] | undefined)[];
  readonly hasPendingHints: boolean;
  readonly now: number;
  readonly graceMs: number;
}): CollectDecision {
  const { replicas, hasPendingHints, now, graceMs } = input;
  if (replicas.some((held) => held === undefined)) {
    return { collect: false, reason: 'a replica did not answer' };
  }
  const first = replicas[0]?.[0];
  if (!first || !first.isTombstone) return { collect: false, reason: 'not a tombstone' };
  const id = versionId(first.clock);
  const isEverywhere = replicas.every(
    (held) => held?.length === 1 && held[0]?.isTombstone === true && versionId(held[0].clock) === id,
  );
  if (!isEverywhere) return { collect: false, reason: 'not every replica holds this tombstone alone' };
  if (hasPendingHints) return { collect: false, reason: 'a hint for the key is still pending' };
  if (now - first.writtenAt < graceMs) return { collect: false, reason: 'younger than the grace period' };
  return { collect: true, versionId: id };
}

import { clockFromEntries } from './clock-from-entries.ts';
import type { VectorClock } from './vector-clock.ts';

/**
 * Bounds a clock to `maxEntries` by dropping the entries with the oldest
 * timestamps (Dynamo's truncation, Riak's `big_vclock` rule; ties go by node
 * id so every replica prunes alike).
 *
 * The trade-off: a pruned clock only forgets, so it can look older than the
 * truth, never newer. Prune the clock of the write you are about to store,
 * right after `increment`: the entry just incremented is the newest and
 * survives, so the new version can never be taken for an ancestor of a
 * version that has not seen it, and no write is silently dropped. What is
 * lost is ancestry: a later version may no longer show that it descends from
 * an old one, and a read returns both as false siblings for the client to
 * resolve. Pruning an already-stored sibling's clock on its own is not safe:
 * it could drop the very entry that kept it concurrent.
 */
export function prune(clock: VectorClock, maxEntries: number): VectorClock {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`prune: maxEntries must be an integer >= 1, got ${String(maxEntries)}`);
  }
  const entries = Object.entries(clock);
  if (entries.length <= maxEntries) return clock;
  // Newest first, ties by node id, then keep the head.
  entries.sort(([idA, a], [idB, b]) => b.timestamp - a.timestamp || (idA < idB ? -1 : idA > idB ? 1 : 0));
  return clockFromEntries(entries.slice(0, maxEntries));
}

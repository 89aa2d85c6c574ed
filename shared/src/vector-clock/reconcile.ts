import { compare } from './compare.ts';
import type { VectorClock } from './vector-clock.ts';

/** Anything versioned by a vector clock; callers keep their own value beside it. */
export interface Versioned {
  readonly clock: VectorClock;
}

/**
 * The versions that survive a read: those no other version descends from
 * (the maximal ones). One survivor is the answer; several are siblings, all
 * concurrent, for the client to resolve. Versions with equal clocks are the
 * same write seen twice (the clock names the write), so only the first is kept.
 * Input order is preserved among the survivors.
 *
 * That naming holds only if a coordinator never hands out the same counter
 * twice: before `increment`, merge the client's context with the clock of the
 * version the coordinator already stores (as Riak does). Otherwise two writes
 * from the same stale context get equal clocks and one is dropped here.
 */
export function reconcile<T extends Versioned>(versions: Iterable<T>): readonly T[] {
  const all = [...versions];
  const survivors = all.filter((candidate, i) =>
    all.every((other, j) => {
      if (i === j) return true;
      const order = compare(candidate.clock, other.clock);
      // Drop an ancestor of another version, and every copy of a write but the first.
      return order !== 'before' && !(order === 'equal' && j < i);
    }),
  );
  return Object.freeze(survivors);
}

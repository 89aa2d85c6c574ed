/**
 * Vector-clock stamping under a single coordinator. The leader orders every
 * write to a key, so it stamps each one on top of the clock of the write it
 * follows in the log: every version descends the one before, a chain, never
 * siblings. Quorum-consistency lets two coordinators stamp the same parent,
 * which is exactly how its siblings arise.
 */
import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';

/** The clock of the write at log `index` coordinated by `leaderId`, after `previous` (the key's latest version). */
export function stampWrite(previous: VectorClock | undefined, leaderId: string, index: number): VectorClock {
  // The log index is the entry's timestamp: logical, shared by every replica, growing along the chain.
  return increment(previous ?? emptyClock(), leaderId, index);
}

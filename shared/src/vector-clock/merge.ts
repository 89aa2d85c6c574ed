import { clockFromEntries } from './clock-from-entries.ts';
import { emptyClock, entryOf } from './vector-clock.ts';
import type { ClockEntry, VectorClock } from './vector-clock.ts';

/**
 * The least clock that descends from both `a` and `b`: the pointwise maximum
 * of the counters. It is the join of the clock lattice, so it is commutative,
 * associative and idempotent, and replicas can merge in any order.
 */
export function merge(a: VectorClock, b: VectorClock): VectorClock {
  const ids = new Set([...Object.keys(a), ...Object.keys(b)]);
  const entries: [string, ClockEntry][] = [];
  for (const id of ids) {
    entries.push([id, newerEntry(entryOf(a, id), entryOf(b, id))]);
  }
  return clockFromEntries(entries);
}

/** The merge of any number of clocks; the empty clock when there are none. */
export function mergeAll(clocks: Iterable<VectorClock>): VectorClock {
  let merged = emptyClock();
  for (const clock of clocks) merged = merge(merged, clock);
  return merged;
}

// Riak's rule: the higher counter wins; on equal counters the later timestamp
// wins. Ordering entries by (counter, timestamp) is a total order, so taking
// its maximum keeps merge a lattice join even for the timestamps.
function newerEntry(x: ClockEntry | undefined, y: ClockEntry | undefined): ClockEntry {
  if (x === undefined) return y as ClockEntry;
  if (y === undefined) return x;
  if (x.counter !== y.counter) return x.counter > y.counter ? x : y;
  return x.timestamp >= y.timestamp ? x : y;
}

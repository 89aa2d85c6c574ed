import type { ClockEntry, VectorClock } from './clock-types.ts';

/**
 * Builds a frozen clock from entries the caller has already validated. Keys go
 * in sorted order so equal clocks serialise to identical JSON.
 */
export function clockFromEntries(entries: Iterable<readonly [string, ClockEntry]>): VectorClock {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Object.fromEntries defines own properties, so an id like `__proto__` stays data.
  // Entries taken from another clock are already frozen and can be shared.
  const clock: VectorClock = Object.fromEntries(
    sorted.map(([id, entry]) => [
      id,
      Object.isFrozen(entry) ? entry : Object.freeze({ counter: entry.counter, timestamp: entry.timestamp }),
    ]),
  );
  return Object.freeze(clock);
}

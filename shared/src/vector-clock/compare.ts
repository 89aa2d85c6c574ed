import { counterOf } from './vector-clock.ts';
import type { VectorClock } from './vector-clock.ts';

/**
 * How version `a` relates to version `b`: `before` (b has seen a), `after`
 * (a has seen b), `equal` (the same history) or `concurrent` (neither has
 * seen the other: siblings a reader must reconcile).
 */
export type ClockOrder = 'before' | 'after' | 'equal' | 'concurrent';

/** Compares two clocks by their counters alone; timestamps never decide causality. */
export function compare(a: VectorClock, b: VectorClock): ClockOrder {
  let isAAhead = false;
  let isBAhead = false;
  // A node missing from one side counts 0 there, so walk the union of ids.
  for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const diff = counterOf(a, id) - counterOf(b, id);
    if (diff > 0) isAAhead = true;
    if (diff < 0) isBAhead = true;
  }
  if (isAAhead && isBAhead) return 'concurrent';
  if (isAAhead) return 'after';
  if (isBAhead) return 'before';
  return 'equal';
}

/** True when `a` has seen everything `b` has (a >= b pointwise); every clock descends from itself. */
export function descends(a: VectorClock, b: VectorClock): boolean {
  // Only b's nodes can make a fall short: a node absent from b asks nothing of a.
  return Object.keys(b).every((id) => counterOf(a, id) >= counterOf(b, id));
}

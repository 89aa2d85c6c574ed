/**
 * A vector clock records, for each node that has coordinated a write in a
 * version's history, how many such writes it coordinated (Lamport 1978,
 * Mattern 1988; Dynamo and Riak version their values this way). Comparing two
 * clocks tells whether one version has seen the other or they were written
 * concurrently.
 *
 * Each entry also carries a timestamp, as Riak's do: causality never reads
 * it, only `prune` does, to decide which entries are oldest.
 */

import { clockFromEntries } from './clock-from-entries.ts';
import type { ClockEntry, VectorClock } from './clock-types.ts';

export type { ClockEntry, VectorClock } from './clock-types.ts';

const EMPTY: VectorClock = Object.freeze({});

/** The clock of a value nobody has written yet: every node counts 0. */
export function emptyClock(): VectorClock {
  return EMPTY;
}

/** The node's entry, or undefined; `Object.hasOwn` so ids like `__proto__` are plain ids. */
export function entryOf(clock: VectorClock, nodeId: string): ClockEntry | undefined {
  return Object.hasOwn(clock, nodeId) ? clock[nodeId] : undefined;
}

/** The node's counter; a node missing from the clock counts 0. */
export function counterOf(clock: VectorClock, nodeId: string): number {
  return entryOf(clock, nodeId)?.counter ?? 0;
}

/** The ids of the nodes present in the clock, sorted. */
export function nodeIdsOf(clock: VectorClock): readonly string[] {
  return Object.keys(clock).sort();
}

/** The newest timestamp in the clock, or -1 for the empty clock. */
export function newestTimestamp(clock: VectorClock): number {
  let newest = -1;
  for (const entry of Object.values(clock)) newest = Math.max(newest, entry.timestamp);
  return newest;
}

/**
 * The clock of a write coordinated by `nodeId` on top of `clock`: its counter
 * goes up by one. `timestamp` is when, in the caller's unit; left out, it is
 * a logical tick one past the newest in the clock, so the entry just
 * incremented is always the newest and survives `prune`.
 */
export function increment(clock: VectorClock, nodeId: string, timestamp?: number): VectorClock {
  assertNodeId(nodeId);
  const at = timestamp ?? newestTimestamp(clock) + 1;
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new RangeError(`increment: timestamp must be a non-negative integer, got ${String(timestamp)}`);
  }
  const entry: ClockEntry = { counter: counterOf(clock, nodeId) + 1, timestamp: at };
  return clockFromEntries([...Object.entries(clock).filter(([id]) => id !== nodeId), [nodeId, entry]]);
}

/** A short human form for logs and the live view, e.g. `{n1:2, n3:1}` (timestamps left out). */
export function formatClock(clock: VectorClock): string {
  return `{${nodeIdsOf(clock)
    .map((id) => `${id}:${counterOf(clock, id)}`)
    .join(', ')}}`;
}

function assertNodeId(nodeId: string): void {
  if (typeof nodeId !== 'string' || nodeId.length === 0) {
    throw new TypeError(`a node id must be a non-empty string, got ${JSON.stringify(nodeId)}`);
  }
}

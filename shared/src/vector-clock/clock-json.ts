import { InvalidVectorClockError } from './invalid-vector-clock-error.ts';
import { clockFromEntries } from './clock-from-entries.ts';
import type { ClockEntry, VectorClock } from './vector-clock.ts';

/** The wire form: `{ "n1": { "counter": 2, "timestamp": 7 } }`, keys sorted. */
export type VectorClockJson = Readonly<
  Record<string, { readonly counter: number; readonly timestamp: number }>
>;

/** The clock as a plain JSON-ready object; `JSON.stringify(clock)` gives the same text. */
export function toJSON(clock: VectorClock): VectorClockJson {
  return Object.fromEntries(
    Object.entries(clock).map(([id, { counter, timestamp }]) => [id, { counter, timestamp }]),
  );
}

/**
 * Validates a parsed JSON value (e.g. a request's causal context) and returns
 * it as a clock; throws InvalidVectorClockError naming the first bad field.
 */
export function fromJSON(value: unknown): VectorClock {
  if (!isPlainObject(value)) {
    throw new InvalidVectorClockError('', `expected an object of node id -> entry, got ${describe(value)}`);
  }
  const entries: [string, ClockEntry][] = [];
  for (const [id, raw] of Object.entries(value)) {
    if (id === '') throw new InvalidVectorClockError('""', 'a node id must be a non-empty string');
    entries.push([id, parseEntry(id, raw)]);
  }
  return clockFromEntries(entries);
}

function parseEntry(id: string, raw: unknown): ClockEntry {
  if (!isPlainObject(raw)) {
    throw new InvalidVectorClockError(id, `expected { counter, timestamp }, got ${describe(raw)}`);
  }
  const extra = Object.keys(raw).filter((field) => field !== 'counter' && field !== 'timestamp');
  if (extra.length > 0) throw new InvalidVectorClockError(id, `unknown field(s) ${extra.join(', ')}`);
  const { counter, timestamp } = raw;
  // Counters start at 1: a node that never wrote is absent, so 0 has one spelling only.
  if (!Number.isSafeInteger(counter) || (counter as number) < 1) {
    throw new InvalidVectorClockError(`${id}.counter`, `must be an integer >= 1, got ${describe(counter)}`);
  }
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) {
    throw new InvalidVectorClockError(
      `${id}.timestamp`,
      `must be an integer >= 0, got ${describe(timestamp)}`,
    );
  }
  return { counter: counter as number, timestamp: timestamp as number };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol')
    return typeof value;
  // Quote what was sent, cut short: the message may end up in a response body.
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

// The clock's shape on its own, so the functions that build and read clocks can share it without importing each other.

/** One node's entry: how many writes it coordinated and when its counter last advanced. */
export interface ClockEntry {
  /** Writes this node coordinated in the version's history; always >= 1 (an absent node counts 0). */
  readonly counter: number;
  /** When the counter last advanced, in the caller's unit (logical ticks or wall-clock ms). */
  readonly timestamp: number;
}

/** An immutable vector clock: node id -> entry, frozen, keys added in sorted order so equal clocks serialise alike. */
export type VectorClock = Readonly<Record<string, ClockEntry>>;

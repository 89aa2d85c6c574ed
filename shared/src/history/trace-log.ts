/**
 * The protocol side of a trace: messages between nodes and faults, beside the operations the
 * history already holds. Each event carries the node that saw it and a logical clock (a
 * counter per instance, raised past any clock a message brings in, as Lamport's), so the
 * order of cause and effect survives clocks that disagree. Bounded: the oldest events go first.
 */

export type TraceEvent =
  | {
      readonly type: 'message';
      readonly seq: number;
      readonly at: number;
      readonly from: string;
      readonly to: string;
      /** What it is in the protocol's words: `append-entries`, `vote`, `hint`, `migrate`... */
      readonly kind: string;
      readonly detail?: unknown;
    }
  | {
      readonly type: 'fault';
      readonly seq: number;
      readonly at: number;
      readonly node: string;
      /** `link`, `pause`, `fault`, `heal-all`... */
      readonly kind: string;
      readonly detail?: unknown;
    };

/** What a saved trace file holds: `GET /trace` answers it, and the live view loads one back. */
export interface TraceDocument {
  readonly format: 'kvs-lab-trace/1';
  readonly service: string;
  readonly instance: string;
  readonly capturedAt: number;
  readonly operations: readonly unknown[];
  readonly events: readonly TraceEvent[];
  readonly droppedEvents: number;
}

import { MessageBudget } from './message-budget.ts';

/** A protocol message as a pattern reports it; the log stamps it. */
export interface ProtocolMessage {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly detail?: unknown;
}

type NewEvent = TraceEvent extends infer E ? (E extends TraceEvent ? Omit<E, 'seq' | 'at'> : never) : never;

export class TraceLog {
  private readonly events: TraceEvent[] = [];
  private clock = 0;
  private dropped = 0;

  private readonly capacity: number;
  private readonly now: () => number;
  private readonly budget: MessageBudget;

  constructor(options: { capacity?: number; now?: () => number; messagesPerSecond?: number } = {}) {
    this.capacity = options.capacity ?? 5_000;
    this.now = options.now ?? Date.now;
    this.budget = new MessageBudget(options.messagesPerSecond ?? 1_000);
  }

  /**
   * Records one protocol step's messages (a whole fan-out) if they fit in the per-second budget,
   * and answers whether they did: a benchmark must not pay for a trace that keeps only the tail.
   */
  recordMessages(messages: readonly ProtocolMessage[]): boolean {
    if (messages.length === 0 || !this.budget.allow(this.now(), messages.length)) return false;
    for (const m of messages) this.record({ type: 'message', ...m });
    return true;
  }

  /** Messages left out by the budget. */
  get skippedMessages(): number {
    return this.budget.skipped;
  }

  /** Records an event and answers its logical time; `seenClock` is the sender's, for a message received. */
  record(event: NewEvent, seenClock = 0): number {
    this.clock = Math.max(this.clock, seenClock) + 1;
    this.events.push({ ...event, seq: this.clock, at: this.now() });
    // Trim in chunks of a quarter of the capacity: a splice per event made a full log cost O(capacity) per record.
    const excess = this.events.length - this.capacity;
    if (excess > this.capacity >> 2) {
      this.events.splice(0, excess);
      this.dropped += excess;
    }
    return this.clock;
  }

  entries(): readonly TraceEvent[] {
    return this.events;
  }

  get droppedEvents(): number {
    return this.dropped;
  }

  /**
   * Empties the log, and its budget with it: a learner clears the trace (`DELETE /history`) to watch the next
   * steps, and a second already spent by earlier traffic must not leave those steps out.
   */
  clear(): void {
    this.events.length = 0;
    this.dropped = 0;
    this.budget.reset();
  }
}

import type { ProtocolMessage } from '@kvs-lab/shared/history';

/**
 * Records one protocol step's messages in the trace (`GET /trace`); answers false when the trace left them
 * out (its budget of messages for this second is spent, or /check is not mounted yet).
 */
export type TraceMessages = (messages: readonly ProtocolMessage[]) => boolean;

/** How long a batch stops gathering after the trace refused a step (the budget's second has up to that left). */
const mutedMs = 100;

/** The open step while muted: what is added to it is dropped. */
const skipped: ProtocolMessage[] = [];

/**
 * A client's name in the trace and in the live view: its user and the start of its socket id,
 * so two tabs of one user are two lanes, and a reconnected tab is a new one.
 */
export const clientNode = (userId: string, socketId: string): string => `${userId}/${socketId.slice(0, 6)}`;

/**
 * Gathers the messages one step causes (a notification fanned out to every socket, an
 * acknowledgement and the pushes it lets out of the queue) so they are recorded with one
 * `recordMessages` call: the trace keeps or skips a whole step, never half of one.
 */
export class TraceBatch {
  private open: ProtocolMessage[] | undefined;
  private mutedUntilMs = -Infinity;
  private readonly record: TraceMessages;
  private readonly now: () => number;

  /**
   * After a refused step the batch gathers nothing for `mutedMs`: at 20k deliveries/s the trace keeps about one
   * fan-out in twenty, and building the messages of all the others cost more than recording the kept ones.
   */
  constructor(record: TraceMessages, now: () => number = Date.now) {
    this.record = record;
    this.now = now;
  }

  /** Whether messages added now can be recorded: a caller may skip building them when not. */
  get isGathering(): boolean {
    return this.open === undefined ? this.now() >= this.mutedUntilMs : this.open !== skipped;
  }

  /** Runs `action` with `first` as the start of a step; whatever it adds is recorded with it. */
  step<T>(first: readonly ProtocolMessage[], action: () => T): T {
    const outer = this.open;
    const batch = this.isGathering ? [...first] : skipped;
    this.open = batch;
    try {
      return action();
    } finally {
      this.open = outer;
      if (batch !== skipped) {
        if (outer) outer.push(...batch);
        else this.offer(batch);
      }
    }
  }

  /** Adds a message to the step in progress, or records it alone. */
  add(message: ProtocolMessage): void {
    if (!this.isGathering) return;
    if (this.open) this.open.push(message);
    else this.offer([message]);
  }

  private offer(messages: readonly ProtocolMessage[]): void {
    if (!this.record(messages)) this.mutedUntilMs = this.now() + mutedMs;
  }
}

import type { ProtocolMessage } from '@kvs-lab/shared/history';

/** Records one protocol step's messages in the trace (`GET /trace`); a no-op until /check is mounted. */
export type TraceMessages = (messages: readonly ProtocolMessage[]) => void;

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
  private readonly record: TraceMessages;

  constructor(record: TraceMessages) {
    this.record = record;
  }

  /** Runs `action` with `first` as the start of a step; whatever it adds is recorded with it. */
  step<T>(first: readonly ProtocolMessage[], action: () => T): T {
    const outer = this.open;
    const batch = [...first];
    this.open = batch;
    try {
      return action();
    } finally {
      this.open = outer;
      if (outer) outer.push(...batch);
      else this.record(batch);
    }
  }

  /** Adds a message to the step in progress, or records it alone. */
  add(message: ProtocolMessage): void {
    if (this.open) this.open.push(message);
    else this.record([message]);
  }
}

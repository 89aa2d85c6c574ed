/**
 * The record of what a service served, for its checker: each operation's
 * invocation and completion with times and outcome, in the Jepsen style.
 * `indeterminate` matters: a checker must allow such an operation to have
 * happened or not, never assume either.
 */

export type OperationOutcome = 'ok' | 'fail' | 'indeterminate';

export interface Operation<I = unknown, O = unknown> {
  /** Monotonic per history, in invocation order. */
  readonly id: number;
  /** Who issued it: a client id, a request id, a worker name. */
  readonly process: string;
  /** What it was: `write`, `read`, `acquire`... */
  readonly kind: string;
  readonly input: I;
  readonly invokedAt: number;
  readonly completedAt?: number;
  readonly outcome?: OperationOutcome;
  readonly output?: O;
  /** Why it failed or is unknown, in words. */
  readonly reason?: string;
}

export interface PendingOperation<O> {
  readonly id: number;
  ok(output: O): void;
  fail(reason: string): void;
  indeterminate(reason: string): void;
}

// Completed in place: every request of every pattern records one operation, so no copy per completion.
type MutableOperation<I, O> = { -readonly [K in keyof Operation<I, O>]: Operation<I, O>[K] };

/** The handle of one invoked operation; the first completion wins (a late second one is ignored). */
class Pending<I, O> implements PendingOperation<O> {
  private readonly operation: MutableOperation<I, O>;
  private readonly now: () => number;

  constructor(operation: MutableOperation<I, O>, now: () => number) {
    this.operation = operation;
    this.now = now;
  }

  get id(): number {
    return this.operation.id;
  }

  ok(output: O): void {
    if (this.complete('ok')) this.operation.output = output;
  }

  fail(reason: string): void {
    if (this.complete('fail')) this.operation.reason = reason;
  }

  indeterminate(reason: string): void {
    if (this.complete('indeterminate')) this.operation.reason = reason;
  }

  private complete(outcome: OperationOutcome): boolean {
    if (this.operation.outcome !== undefined) return false;
    this.operation.outcome = outcome;
    this.operation.completedAt = this.now();
    return true;
  }
}

/**
 * A bounded, append-only history. When full, the oldest completed operations
 * are evicted and counted, so a checker can say "over the last N operations"
 * instead of silently judging a truncated record as complete.
 */
export class History<I = unknown, O = unknown> {
  // Invocation order is id order, so the record is a queue: append at the back, evict at the front.
  // (A Map evicted from its front left a run of deleted slots that every eviction walked again.)
  private queue: MutableOperation<I, O>[] = [];
  private head = 0;
  // Operations that reached the front still pending: older than everything queued, kept until they complete.
  private heldPending: MutableOperation<I, O>[] = [];
  private nextId = 1;
  private evictedCount = 0;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: { capacity?: number; now?: () => number } = {}) {
    this.capacity = options.capacity ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Records the invocation now; the returned handle records the completion exactly once. */
  invoke(process: string, kind: string, input: I): PendingOperation<O> {
    const id = this.nextId++;
    const operation: MutableOperation<I, O> = { id, process, kind, input, invokedAt: this.now() };
    this.queue.push(operation);
    this.evictIfFull();
    return new Pending(operation, this.now);
  }

  /** Every retained operation in invocation order (completed or still pending). */
  entries(): readonly Operation<I, O>[] {
    // Copies: an operation still pending completes in place, and a checker must judge one moment.
    const copy = (operation: MutableOperation<I, O>): Operation<I, O> => ({ ...operation });
    return [...this.heldPending.map(copy), ...this.queue.slice(this.head).map(copy)];
  }

  /** How many old operations were dropped to stay within capacity. */
  get evicted(): number {
    return this.evictedCount;
  }

  clear(): void {
    this.queue = [];
    this.head = 0;
    this.heldPending = [];
    this.evictedCount = 0;
  }

  private get size(): number {
    return this.heldPending.length + this.queue.length - this.head;
  }

  private evictIfFull(): void {
    if (this.size <= this.capacity) return;
    // Drop the oldest completed operations: a pending one may still complete and must keep its invocation.
    if (this.heldPending.length > 0) {
      const before = this.heldPending.length;
      this.heldPending = this.heldPending.filter((operation) => operation.outcome === undefined);
      this.evictedCount += before - this.heldPending.length;
    }
    while (this.size > this.capacity && this.head < this.queue.length) {
      const oldest = this.queue[this.head] as MutableOperation<I, O>;
      this.head += 1;
      if (oldest.outcome === undefined) this.heldPending.push(oldest);
      else this.evictedCount += 1;
    }
    // Drop the consumed front now and then, so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

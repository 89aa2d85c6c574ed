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
  // A Map keeps insertion (invocation) order, and replacing a completed entry keeps its place.
  private readonly operations = new Map<number, MutableOperation<I, O>>();
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
    this.operations.set(id, operation);
    this.evictIfFull();
    return new Pending(operation, this.now);
  }

  /** Every retained operation in invocation order (completed or still pending). */
  entries(): readonly Operation<I, O>[] {
    // Copies: an operation still pending completes in place, and a checker must judge one moment.
    return Array.from(this.operations.values(), (operation) => ({ ...operation }));
  }

  /** How many old operations were dropped to stay within capacity. */
  get evicted(): number {
    return this.evictedCount;
  }

  clear(): void {
    this.operations.clear();
    this.evictedCount = 0;
  }

  private evictIfFull(): void {
    if (this.operations.size <= this.capacity) return;
    // Drop the oldest completed operations: a pending one may still complete and must keep its invocation.
    for (const [id, operation] of this.operations) {
      if (this.operations.size <= this.capacity) return;
      if (operation.outcome === undefined) continue;
      this.operations.delete(id);
      this.evictedCount += 1;
    }
  }
}

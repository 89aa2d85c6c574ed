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

/**
 * A bounded, append-only history. When full, the oldest completed operations
 * are evicted and counted, so a checker can say "over the last N operations"
 * instead of silently judging a truncated record as complete.
 */
export class History<I = unknown, O = unknown> {
  // A Map keeps insertion (invocation) order, and replacing a completed entry keeps its place.
  private readonly operations = new Map<number, Operation<I, O>>();
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
    this.operations.set(id, { id, process, kind, input, invokedAt: this.now() });
    this.evictIfFull();
    let isDone = false;
    const complete = (outcome: OperationOutcome, fields: { output?: O; reason?: string }) => {
      if (isDone) return;
      isDone = true;
      const invoked = this.operations.get(id);
      if (invoked) this.operations.set(id, { ...invoked, completedAt: this.now(), outcome, ...fields });
    };
    return {
      id,
      ok: (output) => complete('ok', { output }),
      fail: (reason) => complete('fail', { reason }),
      indeterminate: (reason) => complete('indeterminate', { reason }),
    };
  }

  /** Every retained operation in invocation order (completed or still pending). */
  entries(): readonly Operation<I, O>[] {
    return [...this.operations.values()];
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

/**
 * How many protocol messages the trace takes per second. A learner's requests send a few dozen
 * a second and are all recorded; a benchmark sends tens of thousands, and recording each one
 * would cost more than the lock itself, for a trace that keeps only the last few thousand
 * anyway. Whole fan-outs are kept or skipped, never half of one; skipped ones are counted.
 */
export class MessageBudget {
  private windowStartMs = -Infinity;
  private used = 0;
  skipped = 0;
  private readonly perSecond: number;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
  }

  /** True if `count` more messages fit in the current second (a first batch always fits). */
  allow(nowMs: number, count: number): boolean {
    if (nowMs - this.windowStartMs >= 1_000) {
      this.windowStartMs = nowMs;
      this.used = 0;
    }
    if (this.used > 0 && this.used + count > this.perSecond) {
      this.skipped += count;
      return false;
    }
    this.used += count;
    return true;
  }

  /** A new window from the next message on: what a cleared trace records next is not refused for what came before. */
  reset(): void {
    this.windowStartMs = -Infinity;
    this.used = 0;
    this.skipped = 0;
  }
}

/**
 * The highest value this instance has seen of each quorum counter (a resource's
 * fencing counter or queue tickets), so the next proposal can ride on the acquire
 * round trip, or go without a read round first. A stale entry costs only a retry:
 * the nodes refuse a proposal that is not above what they hold.
 */
export class CounterCache {
  private readonly seen = new Map<string, number>();
  private readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  /** One above the highest value seen (1 for a counter never seen). */
  proposal(key: string): number {
    return (this.seen.get(key) ?? 0) + 1;
  }

  /** The proposal, counted as seen at once: concurrent callers here propose distinct values. */
  reserve(key: string): number {
    const proposed = this.proposal(key);
    this.saw(key, proposed);
    return proposed;
  }

  saw(key: string, value: number): void {
    const known = this.seen.get(key);
    if (known !== undefined && known >= value) return;
    // Re-inserted at the end: the oldest entries go first when full.
    this.seen.delete(key);
    this.seen.set(key, value);
    if (this.seen.size <= this.capacity) return;
    for (const old of this.seen.keys()) {
      if (this.seen.size <= this.capacity) break;
      this.seen.delete(old);
    }
  }
}

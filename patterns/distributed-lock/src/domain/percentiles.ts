/** The value at quantile `q` (0..1) of `values` by the nearest-rank method; 0 when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * A bounded sample of recent values (wait times, node latencies): memory stays
 * flat however long the lab runs, and figures describe the recent past.
 */
export class RecentSamples {
  private readonly values: number[] = [];
  private readonly capacity: number;
  private next = 0;

  constructor(capacity = 1_000) {
    this.capacity = capacity;
  }

  add(value: number): void {
    if (this.values.length < this.capacity) this.values.push(value);
    else this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
  }

  summary(): { count: number; p50: number; p99: number } {
    return {
      count: this.values.length,
      p50: percentile(this.values, 0.5),
      p99: percentile(this.values, 0.99),
    };
  }
}

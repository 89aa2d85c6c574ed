/** Upper bounds of the wait-time buckets, in seconds (Prometheus' unit), up to MAX_WAIT_MS's range. */
export const waitBucketsSeconds = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/**
 * A cumulative histogram of queue waits, as Prometheus expects it: counts
 * never go down, so a scraper can take rates. (RecentSamples, for /stats'
 * percentiles, forgets old samples.)
 */
export class WaitHistogram {
  /** counts[i]: waits of at most waitBucketsSeconds[i]; not yet cumulative. */
  private readonly counts = waitBucketsSeconds.map(() => 0);
  count = 0;
  sumSeconds = 0;

  observe(waitedMs: number): void {
    const seconds = waitedMs / 1_000;
    this.count += 1;
    this.sumSeconds += seconds;
    const i = waitBucketsSeconds.findIndex((le) => seconds <= le);
    if (i >= 0) this.counts[i] = (this.counts[i] ?? 0) + 1;
  }

  /** Cumulative counts per upper bound, `+Inf` last. */
  buckets(): { le: string; count: number }[] {
    let running = 0;
    const finite = waitBucketsSeconds.map((le, i) => {
      running += this.counts[i] ?? 0;
      return { le: String(le), count: running };
    });
    return [...finite, { le: '+Inf', count: this.count }];
  }
}

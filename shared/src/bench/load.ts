import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  readonly connections?: number;
  readonly durationSeconds?: number;
  readonly headers?: Record<string, string>;
  /** Different request per call, e.g. rotating keys; overrides `body`. */
  readonly requests?: autocannon.Request[];
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly total: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** HTTP load from this process with autocannon; errors are counted, never hidden. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    connections: options.connections ?? 50,
    // Load from a worker thread, so the generator does not share the event loop it measures.
    workers: 1,
    duration: options.durationSeconds ?? 5,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.requests ? { requests: options.requests } : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** A closed loop of `concurrency` workers calling `operation` for `durationMs`: for library-level baselines. */
export async function runLoop(
  operation: () => Promise<unknown>,
  options: { concurrency?: number; durationMs?: number } = {},
): Promise<LoadResult> {
  const durationMs = options.durationMs ?? 5_000;
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency ?? 1 }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await operation();
          latencies.push(performance.now() - t0);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requestsPerSecond: latencies.length / elapsedSeconds,
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    total: latencies.length,
    errors,
    non2xx: 0,
  };
}

import { interleave, MedianResults } from '@kvs-lab/shared/bench';
import type { LoadResult, Measurement } from '@kvs-lab/shared/bench';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The kit's `interleave`, one round at a time, with two measurements trading places every other round.
 * A row run right after the bare baseline measured a few points lower than the same row run later
 * (`read-paths.ts`); with the order fixed, the row in that place was always the eventual read. Medians and
 * summed errors as the kit's.
 */
export async function interleaveSwapping(
  rounds: number,
  measurements: readonly Measurement[],
  swap: readonly [string, string],
  progress: (message: string) => void,
): Promise<MedianResults> {
  const [a, b] = swap.map((name) => measurements.findIndex((m) => m.name === name));
  if (a === undefined || b === undefined || a < 0 || b < 0)
    throw new Error(`no measurement ${swap.join(' or ')}`);
  const runs = new Map<string, LoadResult[]>(measurements.map((m) => [m.name, []]));
  for (let round = 1; round <= rounds; round += 1) {
    const order = [...measurements];
    if (round % 2 === 0)
      [order[a], order[b]] = [measurements[b] as Measurement, measurements[a] as Measurement];
    const results = await interleave(1, order, (message) =>
      progress(message.replace('round 1/1', `round ${round}/${rounds}`)),
    );
    for (const [name, result] of results) runs.get(name)?.push(result);
  }
  return new MedianResults(
    [...runs].map(([name, results]) => [
      name,
      {
        requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(results.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(results.map((r) => r.latencyP99Ms)),
        total: results.reduce((sum, r) => sum + r.total, 0),
        errors: results.reduce((sum, r) => sum + r.errors, 0),
        non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      },
    ]),
  );
}

import type { LoadResult } from './load.ts';

export interface Measurement {
  readonly name: string;
  readonly run: () => Promise<LoadResult>;
}

/** Each measurement's medians by name; `require` is the lookup a bench's rows use. */
export class MedianResults extends Map<string, LoadResult> {
  require(name: string): LoadResult {
    const found = this.get(name);
    if (!found) throw new Error(`no result for ${name}: measured ${[...this.keys()].join(', ')}`);
    return found;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The measurements in the order one round runs them: the two named in `swap` trade places every other round. */
function roundOrder(
  measurements: readonly Measurement[],
  round: number,
  swap: readonly [string, string] | undefined,
): readonly Measurement[] {
  if (swap === undefined || round % 2 === 1) return measurements;
  const [a, b] = swap.map((name) => measurements.findIndex((m) => m.name === name));
  if (a === undefined || b === undefined || a < 0 || b < 0) {
    throw new Error(`no measurement ${swap.join(' or ')} to swap`);
  }
  const order = [...measurements];
  [order[a], order[b]] = [measurements[b] as Measurement, measurements[a] as Measurement];
  return order;
}

/**
 * Runs the measurements in turn, `rounds` times over (A B C A B C ...), and
 * keeps each one's median. A shared machine's noise comes in waves; measuring
 * a pattern and its baseline alternately puts both through the same waves.
 * The place in a round also counts (the row right after a baseline measured a few points low in
 * sharding-replica's bench whatever it read): `swap` lets two rows take each other's place every other round.
 */
export async function interleave(
  rounds: number,
  measurements: readonly Measurement[],
  progress: (message: string) => void = () => undefined,
  options: { readonly swap?: readonly [string, string] } = {},
): Promise<MedianResults> {
  const runs = new Map<string, LoadResult[]>(measurements.map((m) => [m.name, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const m of roundOrder(measurements, round, options.swap)) {
      progress(`round ${round}/${rounds}: ${m.name}`);
      runs.get(m.name)?.push(await m.run());
    }
  }
  return new MedianResults(
    [...runs].map(([name, results]) => [
      name,
      {
        requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
        latencyP50Ms: median(results.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(results.map((r) => r.latencyP99Ms)),
        total: results.reduce((sum, r) => sum + r.total, 0),
        // Errors are summed, never medianed away.
        errors: results.reduce((sum, r) => sum + r.errors, 0),
        non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      },
    ]),
  );
}

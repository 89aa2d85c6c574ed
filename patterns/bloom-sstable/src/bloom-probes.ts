import { fromText } from './domain/byte-string.ts';
import type { KvEngine } from './engines/kv-engine.ts';

/** What POST /bloom/probes answers: the filters' work on keys never written, or why the engine cannot say. */
export interface BloomProbeReport {
  readonly probes: number;
  readonly presentSkipped: number;
  readonly bloomChecks: number | null;
  readonly bloomNegatives: number | null;
  readonly bloomFalsePositives: number | null;
  readonly observedFalsePositiveRate: number | null;
  readonly theoreticalFalsePositiveRate: number | null;
  readonly readsTouchingNoData: number | null;
  readonly fractionTouchingNoData: number | null;
  readonly unavailable?: string;
}

/**
 * Reads `count` keys that were never written (`<prefix><seed>:<i>~`) straight from the engine, past the
 * caches, and reports what the filters saved: checks, negatives, false positives against the theory, and
 * how many reads touched no SSTable data at all.
 */
export async function probeAbsentKeys(
  engine: KvEngine,
  count: number,
  prefix: string,
  seed: number,
): Promise<BloomProbeReport> {
  let isTraced = true;
  let bloomChecks = 0;
  let negatives = 0;
  let falsePositives = 0;
  let noData = 0;
  let present = 0;
  for (let i = 0; i < count; i++) {
    const { entry, trace } = await engine.read(fromText(`${prefix}${seed}:${i}~`), undefined, true);
    if (entry && entry.kind === 'put') {
      present += 1;
      continue;
    }
    if (!trace) {
      isTraced = false;
      continue;
    }
    bloomChecks += trace.bloomChecks;
    negatives += trace.bloomNegatives;
    falsePositives += trace.bloomFalsePositives;
    if (trace.sstablesRead === 0) noData += 1;
  }
  const absent = count - present;
  const bloom = engine.stats().bloom as { theoreticalFalsePositiveRate?: number } | null;
  const theoreticalFalsePositiveRate = bloom?.theoreticalFalsePositiveRate ?? null;
  if (!isTraced) {
    return {
      probes: count,
      presentSkipped: present,
      bloomChecks: null,
      bloomNegatives: null,
      bloomFalsePositives: null,
      observedFalsePositiveRate: null,
      theoreticalFalsePositiveRate,
      readsTouchingNoData: null,
      fractionTouchingNoData: null,
      unavailable:
        'this engine does not report per-read Bloom filter checks: only the time of the reads is known',
    };
  }
  return {
    probes: count,
    presentSkipped: present,
    bloomChecks,
    bloomNegatives: negatives,
    bloomFalsePositives: falsePositives,
    observedFalsePositiveRate: bloomChecks === 0 ? null : falsePositives / bloomChecks,
    theoreticalFalsePositiveRate,
    readsTouchingNoData: noData,
    fractionTouchingNoData: absent === 0 ? null : noData / absent,
  };
}

import os from 'node:os';
import type { BenchReport, BenchRow } from './report.ts';
import { renderReport, withRatios, writeReport } from './report.ts';

export interface BenchContext {
  /** Seconds per measurement (`--duration`), so a quick look and a careful run use the same code. */
  readonly durationSeconds: number;
  /** How many interleaved rounds to take medians over (`--rounds`). */
  readonly rounds: number;
  /** A progress line on stderr, so long runs show they are alive. */
  readonly progress: (message: string) => void;
}

export interface BenchDefinition {
  readonly pattern: string;
  /** Measures the pattern and its same-run baseline; cleans up what it starts. */
  run(context: BenchContext): Promise<{ rows: BenchRow[]; notes?: string[] }>;
}

/** Runs one benchmark, prints the table with ratios and writes `<dir>/bench/results/latest.json`. */
export async function runBench(
  definition: BenchDefinition,
  options: { dir: string; durationSeconds: number; rounds: number },
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const { rows, notes } = await definition.run({
    durationSeconds: options.durationSeconds,
    rounds: options.rounds,
    progress: (message) => process.stderr.write(`[bench ${definition.pattern}] ${message}\n`),
  });
  const report: BenchReport = {
    pattern: definition.pattern,
    startedAt,
    machine: { cpus: os.cpus().length, node: process.version },
    rows: withRatios(rows),
    ...(notes ? { notes } : {}),
  };
  console.log(renderReport(report));
  const file = await writeReport(options.dir, report);
  console.log(`results written to ${file}`);
  return report;
}

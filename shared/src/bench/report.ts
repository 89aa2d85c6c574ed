import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadResult } from './load.ts';

export interface BenchRow {
  /** What was measured, e.g. `PUT /kv (W=2)`. */
  readonly name: string;
  readonly result: LoadResult;
  /** The row it is compared with, measured in the same run. */
  readonly baseline?: string;
  /** The goal as a fraction of the baseline's throughput, e.g. 0.6. */
  readonly goalRatio?: number;
}

export interface BenchReport {
  readonly pattern: string;
  readonly startedAt: string;
  readonly machine: { cpus: number; node: string };
  readonly rows: readonly (BenchRow & { ratio?: number; meetsGoal?: boolean })[];
  readonly notes?: readonly string[];
}

const format = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Adds each row's throughput ratio to its baseline row. */
export function withRatios(rows: readonly BenchRow[]): BenchReport['rows'] {
  return rows.map((row) => {
    const base = row.baseline ? rows.find((r) => r.name === row.baseline) : undefined;
    if (!base || base.result.requestsPerSecond === 0) return row;
    const ratio = row.result.requestsPerSecond / base.result.requestsPerSecond;
    return { ...row, ratio, ...(row.goalRatio === undefined ? {} : { meetsGoal: ratio >= row.goalRatio }) };
  });
}

/** The table a learner reads: throughput, latency, errors, and the ratio to the same-run baseline. */
export function renderReport(report: BenchReport): string {
  const header = ['measurement', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs baseline', 'goal'];
  const lines = report.rows.map((row) => [
    row.name,
    format(row.result.requestsPerSecond),
    format(row.result.latencyP50Ms, 1),
    format(row.result.latencyP99Ms, 1),
    format(row.result.errors + row.result.non2xx),
    row.ratio === undefined ? '(baseline)' : `${format(row.ratio * 100)} % of ${row.baseline ?? ''}`,
    row.goalRatio === undefined
      ? ''
      : `≥ ${format(row.goalRatio * 100)} % ${row.meetsGoal ? 'met' : 'NOT met'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [
    `${report.pattern}: ${report.machine.cpus} cpus, node ${report.machine.node}, ${report.startedAt}`,
    render(header),
    render(widths.map((w) => '-'.repeat(w))),
    ...lines.map(render),
    ...(report.notes ?? []).map((n) => `note: ${n}`),
  ].join('\n');
}

/** Writes the report as JSON beside the pattern (`<dir>/bench/results/latest.json`), for the README figures. */
export async function writeReport(dir: string, report: BenchReport): Promise<string> {
  const folder = path.join(dir, 'bench', 'results');
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, 'latest.json');
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

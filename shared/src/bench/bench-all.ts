import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchReport } from './report.ts';
import { renderRatioChart } from './ratio-chart.ts';
import type { RatioBar } from './ratio-chart.ts';

/** The machine and its load when a figure was taken: ratios from a busy machine read differently. */
export interface RunConditions {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly loadAverageBefore: number;
  readonly loadAverageAfter: number;
}

export function currentLoad(): number {
  return Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
}

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;

/** Every ratio with its goal, one table for the whole lab, and where and how it was measured. */
export function renderBenchMarkdown(
  reports: readonly BenchReport[],
  conditions: RunConditions,
  command: string,
  chartFile: string,
): string {
  const lines = [
    '# Benchmark report',
    '',
    `Written by \`${command}\` on ${new Date().toISOString()}: ${conditions.cpus} CPUs (${conditions.cpuModel}), ` +
      `Node ${conditions.node}, one-minute load average ${conditions.loadAverageBefore} before and ` +
      `${conditions.loadAverageAfter} after. Every ratio compares two figures of the same run (medians of ` +
      'interleaved rounds), so they hold better than the absolute figures; on a loaded machine they still move.',
    '',
    `![ratios to their same-run baselines](${chartFile})`,
    '',
    '| pattern | measurement | req/s | baseline | ratio | goal | met |',
    '| --- | --- | ---: | --- | ---: | ---: | :---: |',
  ];
  for (const report of reports) {
    for (const row of report.rows) {
      if (row.ratio === undefined) continue;
      const goal = row.goalRatio === undefined ? '' : `≥ ${percent(row.goalRatio)}`;
      const met = row.meetsGoal === undefined ? '' : row.meetsGoal ? 'yes' : 'no';
      lines.push(
        `| ${report.pattern} | ${row.name} | ${Math.round(row.result.requestsPerSecond).toLocaleString('en-US')} | ` +
          `${row.baseline ?? ''} | ${percent(row.ratio)} | ${goal} | ${met} |`,
      );
    }
  }
  const notes = reports.flatMap((r) => (r.notes ?? []).map((n) => `- ${r.pattern}: ${n}`));
  if (notes.length > 0) lines.push('', '## Notes from the benches', '', ...notes);
  return `${lines.join('\n')}\n`;
}

/** The bars of the chart: each measured ratio, labelled with its pattern. */
export function ratioBars(reports: readonly BenchReport[]): RatioBar[] {
  return reports.flatMap((report) =>
    report.rows.flatMap((row) =>
      row.ratio === undefined
        ? []
        : [
            {
              label: `${report.pattern}: ${row.name}`,
              ratio: row.ratio,
              ...(row.goalRatio === undefined ? {} : { goal: row.goalRatio }),
            },
          ],
    ),
  );
}

/** Writes `<dir>/REPORT.md` and `<dir>/ratios.svg`. */
export async function writeBenchReport(
  dir: string,
  reports: readonly BenchReport[],
  conditions: RunConditions,
  command: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const svg = await renderRatioChart(
    ratioBars(reports),
    `Throughput as a share of the same-run baseline (bar), goal (black mark), ${conditions.cpus} CPUs, load ${conditions.loadAverageBefore}`,
  );
  await writeFile(path.join(dir, 'ratios.svg'), `${svg}\n`);
  const file = path.join(dir, 'REPORT.md');
  await writeFile(file, renderBenchMarkdown(reports, conditions, command, 'ratios.svg'));
  return file;
}

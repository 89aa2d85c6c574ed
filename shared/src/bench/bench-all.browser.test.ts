import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ratioBars, renderBenchMarkdown } from './bench-all.ts';
import { renderRatioChart } from './ratio-chart.ts';
import type { BenchReport } from './report.ts';
import { withRatios } from './report.ts';

const result = (requestsPerSecond: number) => ({
  requestsPerSecond,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  total: requestsPerSecond,
  errors: 0,
  non2xx: 0,
});

const report: BenchReport = {
  pattern: 'kit-demo',
  startedAt: '2026-12-06T00:00:00.000Z',
  machine: { cpus: 2, node: 'v20' },
  rows: withRatios([
    { name: 'baseline GET', result: result(1000) },
    { name: 'kit GET', result: result(650), baseline: 'baseline GET', goalRatio: 0.9 },
    { name: 'kit PUT', result: result(920), baseline: 'baseline GET', goalRatio: 0.85 },
  ]),
};
const conditions = { cpus: 2, cpuModel: 'test', node: 'v20', loadAverageBefore: 0.5, loadAverageAfter: 1.5 };

describe('the lab-wide bench report', () => {
  it('lists every ratio beside its goal with the machine, its load and the command', () => {
    const markdown = renderBenchMarkdown(
      [report],
      conditions,
      'pnpm bench all --duration 3 --rounds 3',
      'ratios.svg',
    );
    expect(markdown).toContain('| kit-demo | kit GET | 650 | baseline GET | 65 % | ≥ 90 % | no |');
    expect(markdown).toContain('| kit-demo | kit PUT | 920 | baseline GET | 92 % | ≥ 85 % | yes |');
    expect(markdown).toContain('load average 0.5 before and 1.5 after');
    expect(markdown).toContain('`pnpm bench all --duration 3 --rounds 3`');
  });

  it('draws one bar per ratio and one goal mark per goal, as SVG made by d3', async () => {
    const svg = await renderRatioChart(ratioBars([report]), 'test chart');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('kit-demo: kit GET');
    expect(svg).toContain('65 %');
    // a background rect plus two bars
    expect(svg.match(/<rect /g)?.length).toBe(3);
  });

  it('draws the chart under tsx too, as `pnpm bench all` runs it (esbuild keeps function names there)', async () => {
    const script =
      "import('./shared/src/bench/ratio-chart.ts').then((m) => m.renderRatioChart(" +
      "[{ label: 'a', ratio: 0.5, goal: 0.9 }], 'under tsx')).then((svg) => " +
      "console.log(svg.startsWith('<svg') ? 'chart drawn' : 'empty'));";
    const repoRoot = new URL('../../..', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)('npx', ['tsx', '--eval', script], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    expect(stdout).toContain('chart drawn');
  }, 70_000);
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as D3 from 'd3';
import { launchBrowser } from '../testing/browser.ts';

/** One bar of the chart: a measurement's throughput as a fraction of its same-run baseline. */
export interface RatioBar {
  readonly label: string;
  readonly ratio: number;
  readonly goal?: number;
}

function d3Source(): string {
  const entry = createRequire(import.meta.url).resolve('d3');
  return readFileSync(path.join(path.dirname(entry), '..', 'dist', 'd3.min.js'), 'utf8');
}

/**
 * Draws the ratios as a horizontal bar chart with d3, inside headless Chromium (the browser the
 * tests use), and returns the SVG markup: a chart made by a charting library, with no
 * hand-kept coordinates, that any Markdown viewer shows.
 */
export async function renderRatioChart(bars: readonly RatioBar[], title: string): Promise<string> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html lang="en"><body></body></html>');
    await page.addScriptTag({ content: d3Source() });
    return await page.evaluate(
      ({ data, heading }) => {
        const d3 = (globalThis as unknown as { d3: typeof D3 }).d3;
        const barHeight = 22;
        const margin = { top: 40, right: 70, bottom: 36, left: 430 };
        const width = 1000;
        const height = margin.top + margin.bottom + data.length * barHeight;
        const maxRatio = Math.max(1.1, ...data.map((d) => Math.max(d.ratio, d.goal ?? 0)));
        const x = d3
          .scaleLinear()
          .domain([0, maxRatio])
          .range([margin.left, width - margin.right]);
        const y = d3
          .scaleBand()
          .domain(data.map((d) => d.label))
          .range([margin.top, height - margin.bottom])
          .padding(0.2);
        const svg = d3
          .select('body')
          .append('svg')
          .attr('xmlns', 'http://www.w3.org/2000/svg')
          .attr('width', width)
          .attr('height', height)
          .attr('viewBox', `0 0 ${width} ${height}`)
          .attr('font-family', 'system-ui, sans-serif')
          .attr('font-size', 12);
        svg.append('rect').attr('width', width).attr('height', height).attr('fill', '#ffffff');
        svg
          .append('text')
          .attr('x', 10)
          .attr('y', 22)
          .attr('font-size', 15)
          .attr('font-weight', 600)
          .text(heading);
        svg
          .append('g')
          .attr('transform', `translate(0,${height - margin.bottom})`)
          .call(d3.axisBottom(x).ticks(8, '%'));
        svg
          .append('g')
          .attr('transform', `translate(${margin.left},0)`)
          .call(d3.axisLeft(y).tickSizeOuter(0));
        // No named function in here: under tsx (esbuild keepNames) it would be wrapped in a __name
        // helper that exists in Node, not in the page.
        svg
          .append('g')
          .selectAll('rect')
          .data(data)
          .join('rect')
          .attr('x', x(0))
          .attr('y', (d) => y(d.label) ?? 0)
          .attr('width', (d) => x(d.ratio) - x(0))
          .attr('height', y.bandwidth())
          .attr('fill', (d) => (d.goal === undefined || d.ratio >= d.goal ? '#2f8f46' : '#c0392b'));
        svg
          .append('g')
          .selectAll('line')
          .data(data.filter((d) => d.goal !== undefined))
          .join('line')
          .attr('x1', (d) => x(d.goal ?? 0))
          .attr('x2', (d) => x(d.goal ?? 0))
          .attr('y1', (d) => (y(d.label) ?? 0) - 2)
          .attr('y2', (d) => (y(d.label) ?? 0) + y.bandwidth() + 2)
          .attr('stroke', '#111111')
          .attr('stroke-width', 2);
        svg
          .append('g')
          .selectAll('text')
          .data(data)
          .join('text')
          .attr('x', (d) => x(d.ratio) + 4)
          .attr('y', (d) => (y(d.label) ?? 0) + y.bandwidth() / 2 + 4)
          .text((d) => `${Math.round(d.ratio * 100)} %`);
        svg
          .append('line')
          .attr('x1', x(1))
          .attr('x2', x(1))
          .attr('y1', margin.top - 6)
          .attr('y2', height - margin.bottom)
          .attr('stroke', '#888888')
          .attr('stroke-dasharray', '4 3');
        return svg.node()?.outerHTML ?? '';
      },
      { data: bars, heading: title },
    );
  } finally {
    await browser.close();
  }
}

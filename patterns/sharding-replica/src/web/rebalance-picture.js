// A rebalance as keys flowing: one band from each shard that gave keys to each shard that took
// them, as wide as the keys it carried, and a bar of the keys moved against those planned.

/* global d3 */

import { pictureSvg } from '/lab-kit/picture-svg.js';
import { shardColor } from './shard-colors.js';

const height = 120;

/** Source → target bands; the cluster reports no sources (it moves slots), so they come from "old owners". */
function flows(rebalance) {
  const into = Object.entries(rebalance.movedTo ?? {});
  const from = Object.entries(rebalance.movedFrom ?? {});
  if (from.length === 0) return into.map(([to, n]) => ({ from: 'old owners', to, keys: n }));
  // Adding a shard: every key goes to it; draining: every key leaves it. One side is always one shard.
  if (into.length === 1) return from.map(([f, n]) => ({ from: f, to: into[0][0], keys: n }));
  return into.map(([to, n]) => ({ from: from[0][0], to, keys: n }));
}

export function drawRebalance(section, caption, rebalance) {
  section.dataset.status = rebalance?.status ?? 'none';
  if (!rebalance) {
    caption.textContent = 'No rebalance yet: POST /shards adds the standby shard, and its keys flow here.';
    d3.select(section).selectAll('svg').remove();
    return;
  }
  const planned = rebalance.planned;
  caption.textContent =
    `#${rebalance.id} ${rebalance.kind} ${rebalance.shard} (${rebalance.trigger}): ${rebalance.status}, ` +
    (planned === undefined
      ? `${rebalance.keysMoved} keys moved`
      : `${rebalance.keysMoved} of ${planned} keys moved`) +
    (rebalance.slotsPlanned !== undefined
      ? `, ${rebalance.slotsMoved} of ${rebalance.slotsPlanned} slots`
      : '') +
    `, ${rebalance.errors} errors`;
  const width = Math.max(420, section.clientWidth - 24);
  const bands = flows(rebalance);
  const sources = [...new Set(bands.map((b) => b.from))];
  const targets = [...new Set(bands.map((b) => b.to))];
  const yFrom = d3
    .scalePoint()
    .domain(sources)
    .range([20, height - 40])
    .padding(0.5);
  const yTo = d3
    .scalePoint()
    .domain(targets)
    .range([20, height - 40])
    .padding(0.5);
  const widthOf = d3
    .scaleLinear()
    .domain([0, Math.max(1, ...bands.map((b) => b.keys))])
    .range([1, 18]);
  const svg = pictureSvg(section, {
    width,
    height,
    label: `keys moved from ${sources.join(', ')} to ${targets.join(', ')}`,
  });
  const left = 130;
  const right = width - 130;
  const link = d3
    .linkHorizontal()
    .x((d) => d[0])
    .y((d) => d[1]);
  svg
    .selectAll('path.sr-flow')
    .data(bands, (b) => `${b.from}>${b.to}`)
    .join('path')
    .attr('class', 'sr-flow')
    .attr('data-from', (b) => b.from)
    .attr('data-to', (b) => b.to)
    .attr('data-keys', (b) => b.keys)
    .attr('stroke', (b) => shardColor(b.from))
    .attr('stroke-width', (b) => widthOf(b.keys))
    .attr('d', (b) => link({ source: [left, yFrom(b.from)], target: [right, yTo(b.to)] }));
  svg
    .selectAll('text.sr-flow__from')
    .data(sources)
    .join('text')
    .attr('class', 'sr-flow__from')
    .attr('x', left - 6)
    .attr('y', (s) => yFrom(s) + 4)
    .attr('text-anchor', 'end')
    .style('fill', (s) => shardColor(s))
    .text((s) => `${s} ${bands.filter((b) => b.from === s).reduce((n, b) => n + b.keys, 0)}`);
  svg
    .selectAll('text.sr-flow__to')
    .data(targets)
    .join('text')
    .attr('class', 'sr-flow__to')
    .attr('x', right + 6)
    .attr('y', (t) => yTo(t) + 4)
    .style('fill', (t) => shardColor(t))
    .text((t) => `→ ${t} ${rebalance.movedTo?.[t] ?? 0}`);
  // The cluster plans slots, not keys: its bar counts slots.
  const [done, total] =
    rebalance.slotsPlanned === undefined
      ? [rebalance.keysMoved, planned]
      : [rebalance.slotsMoved, rebalance.slotsPlanned];
  const fraction =
    total === undefined || total === 0 ? (rebalance.status === 'done' ? 1 : 0) : Math.min(1, done / total);
  svg
    .selectAll('rect.sr-progress__track')
    .data([null])
    .join('rect')
    .attr('class', 'sr-progress__track')
    .attr('x', left)
    .attr('y', height - 22)
    .attr('width', right - left)
    .attr('height', 10)
    .attr('rx', 3);
  svg
    .selectAll('rect.sr-progress__done')
    .data([fraction])
    .join('rect')
    .attr('class', 'sr-progress__done')
    .attr('x', left)
    .attr('y', height - 22)
    .attr('width', (f) => (right - left) * f)
    .attr('height', 10)
    .attr('rx', 3);
}

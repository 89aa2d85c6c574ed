// The ring: arcs coloured by the shard that owns them, one tick per virtual node (on Redis
// Cluster, the slot map: one arc per slot range, by master). While a shard joins or drains,
// an outer band names it and how many of its keys have moved.

/* global d3 */

import { ringArcs } from './ring-arcs.js';
import { shardColor } from './shard-colors.js';

const size = 340;
const radius = { inner: 118, outer: 142, tickIn: 144, tickOut: 154, band: 162 };
const turn = 2 * Math.PI;

export function drawRing(container, { ring, engine, rebalance }) {
  const points = ring?.points ?? [];
  const isSlotMap = engine === 'cluster';
  const svg = d3
    .select(container)
    .selectAll('svg')
    .data([null])
    .join('svg')
    .attr('id', 'sr-ring')
    .attr('width', size)
    .attr('height', size)
    .attr('viewBox', `${-size / 2} ${-size / 2} ${size} ${size}`)
    .attr('role', 'img')
    .attr(
      'aria-label',
      isSlotMap
        ? `Redis Cluster slot map: ${points.length} slot ranges`
        : `hash ring: ${points.length} virtual nodes of ${Object.keys(ring?.shares ?? {}).length} shards`,
    );
  const arc = d3.arc().innerRadius(radius.inner).outerRadius(radius.outer);
  svg
    .selectAll('path.sr-arc')
    .data(ringArcs(points))
    .join('path')
    .attr('class', 'sr-arc')
    .attr('data-shard', (a) => a.shard)
    .attr('fill', (a) => shardColor(a.shard))
    .attr('d', (a) => arc({ startAngle: a.start * turn, endAngle: a.end * turn }));
  // Virtual nodes as ticks: where the ring has few points (the slot map), the arcs say it all.
  const ticks = isSlotMap ? [] : points;
  svg
    .selectAll('line.sr-vnode')
    .data(ticks)
    .join('line')
    .attr('class', 'sr-vnode')
    .attr('stroke', (p) => shardColor(p.shard))
    .each(function tick(p) {
      const angle = (p.position / 2 ** 32) * turn - Math.PI / 2;
      d3.select(this)
        .attr('x1', radius.tickIn * Math.cos(angle))
        .attr('y1', radius.tickIn * Math.sin(angle))
        .attr('x2', radius.tickOut * Math.cos(angle))
        .attr('y2', radius.tickOut * Math.sin(angle));
    });
  const moving = rebalance?.status === 'running' ? rebalance : null;
  svg
    .selectAll('circle.sr-ring-band')
    .data(moving ? [moving] : [])
    .join('circle')
    .attr('class', 'sr-ring-band')
    .attr('r', radius.band)
    .attr('stroke', (r) => shardColor(r.shard));
  const lines = isSlotMap
    ? ['Redis Cluster', '16384 slots', `${points.length} ranges`]
    : ['hash ring', `${ring?.virtualNodes ?? '?'} virtual nodes`, 'per shard'];
  if (moving) lines.push(`${moving.shard} ${moving.kind === 'add' ? 'joining' : 'draining'}`);
  svg
    .selectAll('text.sr-ring-caption')
    .data(lines)
    .join('text')
    .attr('class', 'sr-ring-caption')
    .attr('text-anchor', 'middle')
    .attr('y', (_d, i) => (i - (lines.length - 1) / 2) * 18 + 5)
    .text((d) => d);
}

/** The legend: each shard's share of the key space, as text in its colour. */
export function drawShares(container, ring) {
  const shares = Object.entries(ring?.shares ?? {}).sort(([a], [b]) => a.localeCompare(b));
  d3.select(container)
    .selectAll('li')
    .data(shares, ([shard]) => shard)
    .join('li')
    .attr('data-share', ([shard]) => shard)
    .style('color', ([shard]) => shardColor(shard))
    .text(([shard, share]) => `${shard} ${(share * 100).toFixed(1)} %`);
}

// The first picture of the line-streams live view: the consumer group's pending entries list (PEL),
// one column per consumer, each entry a bar growing with its idle time past the dashed
// CLAIM_MIN_IDLE_MS line; claims drawn as arrows between columns; the dead letters in the last column.

/* global d3 */

import { arrowMarker, pictureSvg } from '/lab-kit/picture-svg.js';
import { claimLabel, pelColumns, recentClaims } from './pel-model.js';

const entriesPerColumn = 8;
const claimsShown = 3;
const rowHeight = 20;
const headHeight = 40;
const claimRowHeight = 18;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const statusText = { active: 'active', silent: 'SILENT', quiet: 'quiet' };

/**
 * Draws the PEL picture of `state` into `pelFigure` and its caption; `ageMs` is how long ago the
 * state was read, so the idle bars keep growing between snapshots.
 */
export function drawPelPicture(pelFigure, pelCaption, state, ageMs) {
  if (!globalThis.d3) return;
  const columns = pelColumns(state, ageMs, entriesPerColumn);
  const names = [...columns.map((c) => c.consumer), 'dead letters'];
  const claims = recentClaims(state.claims ?? [], claimsShown);
  const width = Math.max(480, pelFigure.clientWidth);
  const x = d3.scaleBand().domain(names).range([0, width]).paddingInner(0.06);
  const colWidth = x.bandwidth();
  const labelWidth = Math.min(170, colWidth * 0.55);
  const barLeft = labelWidth + 4;
  const barRight = colWidth - 46;
  const longest = Math.max(0, ...columns.flatMap((c) => c.entries.map((e) => e.idleMs)));
  const idle = d3
    .scaleLinear()
    .domain([0, Math.max(2 * state.claimMinIdleMs, longest)])
    .range([barLeft, Math.max(barLeft + 10, barRight)])
    .clamp(true);
  const claimsTop = headHeight + 6;
  const rowsTop = claimsTop + Math.max(1, claims.length) * claimRowHeight + 10;
  const deadShown = state.deadLetters.slice(0, entriesPerColumn);
  const rows = Math.max(
    2,
    ...columns.map((c) => c.entries.length + (c.hidden > 0 ? 1 : 0)),
    deadShown.length + 1,
  );
  const height = rowsTop + rows * rowHeight + 4;
  const svg = pictureSvg(pelFigure, {
    width,
    height,
    label:
      `pending entries of group ${state.group}: ` +
      columns.map((c) => `${c.consumer} ${c.status}, ${c.pending} pending`).join('; ') +
      `; ${state.deadLetterCount} dead letters`,
  });

  // Column heads: the consumer, its state and what it holds.
  const heads = svg
    .selectAll('g.pel-head')
    .data(names, (d) => d)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'pel-head');
      g.append('rect')
        .attr('rx', 4)
        .attr('height', headHeight - 4);
      g.append('text').attr('class', 'pel-head__name').attr('x', 8).attr('y', 15);
      g.append('text').attr('class', 'pel-head__figures').attr('x', 8).attr('y', 30);
      return g;
    })
    .attr('transform', (d) => `translate(${x(d)},0)`);
  const columnOf = (d) => columns.find((c) => c.consumer === d);
  heads
    .attr('data-consumer', (d) => (columnOf(d) ? d : null))
    .attr('data-status', (d) => columnOf(d)?.status ?? 'dead-letters');
  heads.select('rect').attr('width', colWidth);
  heads
    .select('text.pel-head__name')
    .text((d) => (columnOf(d) ? `consumer ${d}` : `dead letters: ${state.deadLetterCount}`));
  heads.select('text.pel-head__figures').text((d) => {
    const c = columnOf(d);
    if (!c) return `given up after ${state.maxDeliveries} deliveries, or evicted`;
    return `${statusText[c.status]} · last seen ${seconds(c.idleMs)} ago · ${c.pending} pending`;
  });

  // Claims: an arrow from the owner's column to the claimer's, newest on top.
  const centre = (name) => (x(name) ?? 0) + colWidth / 2;
  const arrows = svg
    .selectAll('g.pel-claim')
    .data(claims, (c) => `${c.at}|${c.consumer}|${c.from}|${c.room}|${c.ids[0]}`)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'pel-claim');
      g.append('path').attr('marker-end', 'url(#pel-arrow)');
      g.append('text');
      return g;
    })
    .attr('data-claim-from', (c) => c.from)
    .attr('data-claim-to', (c) => c.consumer)
    .attr('data-claim-room', (c) => c.room)
    .attr('data-claim-count', (c) => c.ids.length)
    .attr('transform', (_c, i) => `translate(0,${claimsTop + i * claimRowHeight})`);
  arrows.attr('data-retry', (c) => String(c.from === c.consumer));
  arrows.select('path').attr('d', (c) => {
    const b = centre(c.consumer);
    // A retry (the owner claiming back its own released entry) loops back into its column.
    if (c.from === c.consumer || x(c.from) === undefined)
      return `M${b - 40},3 C${b - 10},-2 ${b - 10},16 ${b - 4},9`;
    const a = centre(c.from);
    return `M${a},9 L${b + (b > a ? -4 : 4)},9`;
  });
  // The label starts where the arrow ends (right of both columns), so the line never crosses it.
  arrows
    .select('text')
    .attr('x', (c) => Math.max(x(c.from) === undefined ? 0 : centre(c.from), centre(c.consumer)) + 8)
    .attr('y', 13)
    .text((c) => claimLabel(c));
  arrowMarker(svg, { id: 'pel-arrow', headClass: 'pel-claim__head', refX: 8 });
  svg
    .selectAll('text.pel-no-claim')
    .data(claims.length === 0 ? [null] : [])
    .join('text')
    .attr('class', 'pel-no-claim')
    .attr('x', 4)
    .attr('y', claimsTop + 12)
    .text('No claim yet: a live worker claims entries idle past the dashed line.');

  // The claim threshold in every consumer column.
  svg
    .selectAll('g.pel-threshold')
    .data(columns, (c) => c.consumer)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'pel-threshold');
      g.append('line');
      g.append('text').attr('text-anchor', 'middle');
      return g;
    })
    .attr('transform', (c) => `translate(${x(c.consumer)},0)`)
    .call((g) =>
      g
        .select('line')
        .attr('x1', idle(state.claimMinIdleMs))
        .attr('x2', idle(state.claimMinIdleMs))
        .attr('y1', rowsTop - 10)
        .attr('y2', height),
    )
    .call((g) =>
      g
        .select('text')
        .attr('x', idle(state.claimMinIdleMs))
        .attr('y', rowsTop - 1)
        .text(`claim at ${seconds(state.claimMinIdleMs)}`),
    );

  // Entries: pending ones in their owner's column, dead letters in the last. Keyed by room/id, so a
  // claimed entry slides from the dead owner's column to the claimer's.
  const items = [
    ...columns.flatMap((c) =>
      c.entries.map((e, i) => ({ ...e, kind: 'pending', consumer: c.consumer, column: c.consumer, row: i })),
    ),
    ...deadShown.map((d, i) => ({
      key: `${d.room}/${d.originalId}`,
      room: d.room,
      id: d.originalId,
      reason: d.reason,
      kind: 'dead',
      column: 'dead letters',
      row: i,
    })),
  ];
  const entries = svg
    .selectAll('g.pel-entry')
    .data(items, (e) => e.key)
    .join((enter) => {
      const g = enter
        .append('g')
        .attr('class', 'pel-entry')
        .attr('transform', (e) => `translate(${x(e.column)},${rowsTop + e.row * rowHeight})`);
      g.append('text').attr('class', 'pel-entry__label').attr('x', 4).attr('y', 13);
      g.append('rect')
        .attr('class', 'pel-entry__bar')
        .attr('y', 3)
        .attr('height', rowHeight - 8)
        .attr('rx', 2);
      g.append('text').attr('class', 'pel-entry__idle').attr('y', 13);
      g.append('title');
      return g;
    })
    .attr('data-pel-entry', (e) => e.key)
    .attr('data-kind', (e) => e.kind)
    .attr('data-consumer', (e) => e.consumer ?? null)
    .attr('data-claimable', (e) => (e.kind === 'pending' ? String(e.isClaimable) : null))
    .attr('data-deliveries', (e) => e.deliveries ?? null);
  entries
    .transition()
    .duration(600)
    .attr('transform', (e) => `translate(${x(e.column)},${rowsTop + e.row * rowHeight})`);
  const clip = (text, room) => (room.length > 10 ? `${room.slice(0, 9)}…` : room) + text;
  entries
    .select('text.pel-entry__label')
    .text((e) =>
      e.kind === 'dead' ? clip(`/${e.id} ${e.reason}`, e.room) : clip(`/${e.id} ×${e.deliveries}`, e.room),
    );
  entries
    .select('rect.pel-entry__bar')
    .attr(
      'class',
      (e) =>
        `pel-entry__bar pel-entry__bar--${e.kind === 'dead' ? 'dead' : e.isClaimable ? 'claimable' : 'held'}`,
    )
    .attr('x', barLeft)
    .attr('width', (e) => (e.kind === 'dead' ? 0 : Math.max(2, idle(e.idleMs) - barLeft)));
  entries
    .select('text.pel-entry__idle')
    .attr('x', colWidth - 42)
    .text((e) => (e.kind === 'dead' ? '' : seconds(e.idleMs)));
  entries
    .select('title')
    .text((e) =>
      e.kind === 'dead'
        ? `${e.room}/${e.id}: dead letter (${e.reason})`
        : `${e.room}/${e.id}: owned by ${e.consumer}, idle ${seconds(e.idleMs)}, delivered ${e.deliveries} times`,
    );
  svg
    .selectAll('text.pel-more')
    .data(
      columns.filter((c) => c.hidden > 0),
      (c) => c.consumer,
    )
    .join('text')
    .attr('class', 'pel-more')
    .attr('x', (c) => (x(c.consumer) ?? 0) + 4)
    .attr('y', (c) => rowsTop + c.entries.length * rowHeight + 13)
    .text((c) => `${c.entries.length} of ${c.pending} shown`);

  const silent = columns.filter((c) => c.status === 'silent').map((c) => c.consumer);
  pelCaption.textContent =
    `Group ${state.group}. A bar is a pending entry (room/id ×deliveries), its length the time since its owner touched it; ` +
    `live workers heartbeat theirs. Past ${seconds(state.claimMinIdleMs)} (dashed line) another worker's XAUTOCLAIM takes it, ` +
    `delivery +1; after ${state.maxDeliveries} deliveries it goes to the dead letters.` +
    (silent.length > 0 ? ` Silent now: ${silent.join(', ')}.` : '');
}

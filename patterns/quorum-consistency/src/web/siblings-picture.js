// One key's versions as branches: from the past they share (the clocks' common part) to each
// surviving version, with its vector clock and the replicas holding it. Concurrent writes
// are two sibling branches; a replica that is behind shows as an older dot on a branch.

/* global d3 */

import { pictureSvg } from '/lab-kit/picture-svg.js';
import { clockText, siblingBranches } from './sibling-branches.js';

const branchHeight = 46;
const top = 4;

const valueText = (v) => (v.isTombstone ? '(deleted)' : JSON.stringify(v.value));
const short = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `held`: GET /kv/{key}/replicas's answer, or undefined before any key was chosen; `note`: the caption's element. */
export function drawSiblings(container, { key, held, policy, note }) {
  const picture = held
    ? siblingBranches(held.replicas, policy)
    : { base: {}, branches: [], downReplicas: [] };
  const { branches } = picture;
  const survivors = branches.filter((b) => b.state !== 'lost').length;
  const width = Math.max(300, container.clientWidth);
  const height = branches.length === 0 ? 4 : top + branches.length * branchHeight + 6;
  const baseX = 14;
  const endX = 150;
  const chars = Math.floor((width - endX - 12) / 7.3);
  const caption = !key
    ? 'No key yet: write one, or pick one in the table.'
    : branches.length === 0
      ? `${key}: no replica holds it.`
      : survivors > 1
        ? `${key}: ${survivors} siblings, concurrent writes that did not see each other. A write carrying the read's context merges them.`
        : `${key}: one version${branches.some((b) => b.state === 'lost') ? '; last-write-wins dropped the other' : ''}.`;
  if (note) note.textContent = caption;

  const svg = pictureSvg(container, { width, height, label: caption })
    .attr('data-key', key ?? '')
    .attr('data-siblings', survivors);
  const middle = top + (Math.max(1, branches.length) * branchHeight) / 2 - 8;
  svg
    .selectAll('g.qc-base')
    .data(branches.length > 0 ? [picture.base] : [])
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-base');
      g.append('circle').attr('r', 6);
      g.append('text').attr('x', -14);
      return g;
    })
    .attr('transform', `translate(${baseX},${middle})`)
    .select('text')
    // Under every branch, clear of the lines leaving the dot.
    .attr('y', height - 4 - middle)
    .text((base) =>
      Object.keys(base).length === 0 ? 'no write in common' : `shared past ${clockText(base)}`,
    );

  const groups = svg
    .selectAll('g.qc-branch')
    .data(branches, (b) => b.id)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-branch');
      g.append('path').attr('class', 'qc-branch__line');
      g.append('g').attr('class', 'qc-branch__older');
      g.append('circle').attr('class', 'qc-branch__tip').attr('r', 6);
      g.append('text').attr('class', 'qc-branch__value');
      g.append('text').attr('class', 'qc-branch__where');
      return g;
    })
    .attr('data-state', (b) => b.state)
    .attr('data-clock', (b) => clockText(b.clock))
    .attr('data-holders', (b) => b.holders.join(' '));
  const tipY = (i) => top + i * branchHeight + 10;
  groups
    .select('path')
    .attr('class', (b) => `qc-branch__line qc-branch__line--${b.state}`)
    .attr('d', (_b, i) => {
      const bend = (baseX + endX) / 2;
      return `M${baseX},${middle}C${bend},${middle} ${bend},${tipY(i)} ${endX},${tipY(i)}`;
    });
  groups
    .select('circle.qc-branch__tip')
    .attr('class', (b) => `qc-branch__tip qc-branch__tip--${b.state}`)
    .attr('cx', endX)
    .attr('cy', (_b, i) => tipY(i));
  groups
    .select('text.qc-branch__value')
    .attr('x', endX + 12)
    .attr('y', (_b, i) => tipY(i) + 4)
    .text((b) =>
      short(`${valueText(b)} ${clockText(b.clock)}${b.state === 'lost' ? ' lost (lww)' : ''}`, chars),
    );
  groups
    .select('text.qc-branch__where')
    .attr('x', endX + 12)
    .attr('y', (_b, i) => tipY(i) + 20)
    .text((b) => {
      const behind = b.older.map((o) => `${o.holders.join(', ')} behind at ${clockText(o.clock)}`).join('; ');
      return short(`on ${b.holders.join(', ')}${behind ? ` · ${behind}` : ''}`, chars);
    });
  // Older versions on the branch's way out: a hollow dot each.
  groups
    .select('g.qc-branch__older')
    .selectAll('circle')
    .data((b, i) => b.older.slice(0, 3).map((o, j) => ({ o, i, j })))
    .join('circle')
    .attr('class', 'qc-branch__behind')
    .attr('r', 4)
    .attr('cx', (d) => endX - 30 - d.j * 16)
    .attr('cy', (d) => tipY(d.i));
}

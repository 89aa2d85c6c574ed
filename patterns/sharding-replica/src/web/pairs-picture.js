// The shards as master/replica pairs: the master on the left, its replica on the right, the
// replication stream as an arrow with the lag in bytes (cut: dashed red). A node missing pings
// turns amber ("suspect 2/3"), a node declared dead red; after a failover the promoted replica
// is drawn as the master and the old master as the dead replica beside it.

/* global d3 */

import { arrowMarker, pictureSvg } from '/lab-kit/picture-svg.js';
import { nodeHealth, promotedNodes } from './shard-pairs.js';
import { shardColor } from './shard-colors.js';

const rowHeight = 86;
const nodeHeight = 44;

function healthText(node, missedPingsToFail) {
  switch (nodeHealth(node)) {
    case 'dead':
      return 'DEAD';
    case 'suspect':
      return `suspect: missed ${node.missedPings}/${missedPingsToFail} pings`;
    case 'none':
      return '';
    default:
      return `up · offset ${node.offset ?? '?'}`;
  }
}

function linkText(shard) {
  if (!shard.replica) return 'no replica';
  if (shard.isReplicationPaused) return 'replication cut';
  if (nodeHealth(shard.replica) === 'dead' || nodeHealth(shard.master) === 'dead') return 'no stream';
  if (shard.replica.linkStatus && shard.replica.linkStatus !== 'up')
    return `link ${shard.replica.linkStatus}`;
  return shard.lagBytes === undefined ? 'lag ?' : `lag ${shard.lagBytes} B`;
}

function isLinkBroken(shard) {
  return linkText(shard) !== `lag ${shard.lagBytes} B` && linkText(shard) !== 'lag ?';
}

export function drawPairs(container, { shards, failovers, missedPingsToFail }) {
  // The section's padding is not drawable: a wider svg would be clipped at the right.
  const width = Math.max(420, container.clientWidth - 24);
  const height = Math.max(1, shards.length) * rowHeight;
  const promoted = promotedNodes(shards, failovers);
  const nodeBox = { width: Math.min(260, Math.floor((width - 90) / 2)), height: nodeHeight };
  const gap = width - 2 * nodeBox.width - 2;
  const svg = pictureSvg(container, {
    width,
    height,
    label: `${shards.length} shards, each a master and its replica`,
  }).attr('id', 'sr-pairs');
  const arrowHead = arrowMarker(svg, { id: 'sr-arrow', headClass: 'sr-arrow-head', orient: 'auto' });

  const rows = svg
    .selectAll('g.sr-pair')
    .data(shards, (s) => s.id)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'sr-pair');
      g.append('text').attr('class', 'sr-pair__title').attr('x', 0).attr('y', 14);
      g.append('line').attr('class', 'sr-pair__link').attr('marker-end', arrowHead);
      g.append('text').attr('class', 'sr-pair__lag').attr('text-anchor', 'middle');
      return g;
    })
    .attr('data-shard', (s) => s.id)
    .attr('data-state', (s) => s.state)
    .attr('transform', (_s, i) => `translate(0,${i * rowHeight})`);
  rows
    .select('text.sr-pair__title')
    .style('fill', (s) => shardColor(s.id))
    .text(
      (s) =>
        `${s.id} · ${s.state}${s.state === 'standby' ? ' (not on the ring)' : ''} · ${s.keys ?? '?'} keys · ${s.opsPerSecond} ops/s`,
    );
  const linkY = 20 + nodeBox.height / 2;
  rows
    .select('line.sr-pair__link')
    .attr('x1', nodeBox.width + 4)
    .attr('x2', nodeBox.width + gap - 4)
    .attr('y1', linkY)
    .attr('y2', linkY)
    .attr('data-link', (s) => (isLinkBroken(s) ? 'broken' : 'up'))
    .attr('class', (s) => `sr-pair__link${isLinkBroken(s) ? ' sr-pair__link--broken' : ''}`);
  rows
    .select('text.sr-pair__lag')
    .attr('x', nodeBox.width + gap / 2)
    .attr('y', linkY - 6)
    .attr('data-lag', (s) => s.lagBytes ?? '')
    .text(linkText);

  const nodes = rows
    .selectAll('g.sr-node')
    .data(
      (s) => [s.master, s.replica].filter(Boolean).map((n, i) => ({ ...n, slot: i, shard: s.id })),
      (n) => n.slot,
    )
    .join((enter) => {
      const g = enter.append('g').attr('class', 'sr-node');
      g.append('rect').attr('rx', 5).attr('height', nodeHeight);
      g.append('text').attr('class', 'sr-node__name').attr('x', 8).attr('y', 18);
      g.append('text').attr('class', 'sr-node__health').attr('x', 8).attr('y', 36);
      return g;
    })
    .attr('data-node', (n) => n.name)
    .attr('data-role', (n) => (n.slot === 0 ? 'master' : 'replica'))
    .attr('data-health', (n) => nodeHealth(n))
    .attr('data-promoted', (n) => (n.slot === 0 && promoted.has(n.name) ? 'true' : null))
    .attr('transform', (n) => `translate(${n.slot === 0 ? 0 : nodeBox.width + gap},20)`);
  nodes.select('rect').attr('class', (n) => `sr-node__box sr-node__box--${nodeHealth(n)}`);
  nodes.select('rect').attr('width', nodeBox.width);
  nodes.select('text.sr-node__name').text((n) => `${n.slot === 0 ? 'master' : 'replica'}: ${n.name}`);
  nodes.select('text.sr-node__health').text((n) => {
    const f = n.slot === 0 ? promoted.get(n.name) : undefined;
    if (!f || nodeHealth(n) !== 'up') return healthText(n, missedPingsToFail);
    return `⇧ promoted${f.failoverMs === undefined ? '' : ` after ${f.failoverMs} ms`}`;
  });
}

// The last read's path, drawn with d3: one box per part the read asked (L1 cache, L2 cache,
// memtable, each SSTable) with its answer, and an arrow from each to the next; a Bloom filter's
// "no" is a blue box that read no block. What the stations are comes from read-path.js.

import { pictureSvg } from '/lab-kit/picture-svg.js';
import { widthOf } from './panels.js';
import { readHeadline, readStations } from './read-path.js';

const stationWidth = 136;
const stationHeight = 58;
const stationGap = 26;

/** Draws `read` (or "no read yet") in the panel: its stations in order, the hops between them, the caption. */
export function drawReadPath(readPanel, read) {
  if (!globalThis.d3) return;
  const stations = read ? readStations(read) : [];
  const width = widthOf(readPanel.section);
  const perRow = Math.max(1, Math.floor((width + stationGap) / (stationWidth + stationGap)));
  const rowsNeeded = Math.max(1, Math.ceil(stations.length / perRow));
  const top = 22;
  const place = (i) => ({
    x: (i % perRow) * (stationWidth + stationGap),
    y: top + Math.floor(i / perRow) * (stationHeight + 12),
  });
  const svg = pictureSvg(readPanel.section, {
    width,
    height: top + rowsNeeded * (stationHeight + 12),
    label: read ? readHeadline(read) : 'no read yet',
  });
  svg
    .selectAll('text.lsm-read__headline')
    .data([null])
    .join('text')
    .attr('class', 'lsm-read__headline')
    .attr('id', 'lsm-read-headline')
    .attr('x', 0)
    .attr('y', 14)
    .text(read ? readHeadline(read) : 'No read yet: GET /kv/{key} (or redis-cli GET) draws its path here.');
  const path = svg
    .selectAll('g.lsm-read-path')
    .data([null])
    .join('g')
    .attr('class', 'lsm-read-path')
    .attr('id', 'lsm-read-path')
    .attr('data-key', read?.key ?? '');
  const keyOf = (s, i) => `${i}-${s.node}-${s.file ?? ''}`;
  path
    .selectAll('path.lsm-station__hop')
    .data(stations.slice(1), keyOf)
    .join('path')
    .attr('class', 'lsm-station__hop')
    .attr('marker-end', 'url(#lsm-read-arrowhead)')
    .attr('d', (_s, i) => {
      const a = place(i);
      const b = place(i + 1);
      if (a.y === b.y) return `M${a.x + stationWidth},${a.y + stationHeight / 2} H${b.x - 2}`;
      // Onto the next row: down, back to the row's first box, down into it.
      const turnY = a.y + stationHeight + 6;
      return `M${a.x + stationWidth / 2},${a.y + stationHeight} V${turnY} H${b.x + stationWidth / 2} V${b.y - 2}`;
    });
  const groups = path
    .selectAll('g.lsm-station')
    .data(stations, keyOf)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lsm-station');
      g.append('rect').attr('rx', 4).attr('width', stationWidth).attr('height', stationHeight);
      g.append('text').attr('class', 'lsm-station__title').attr('x', 8).attr('y', 17);
      g.append('text').attr('class', 'lsm-station__line1').attr('x', 8).attr('y', 34);
      g.append('text').attr('class', 'lsm-station__line2').attr('x', 8).attr('y', 50);
      return g;
    })
    .attr('transform', (_s, i) => `translate(${place(i).x},${place(i).y})`)
    .attr('data-node', (s) => s.node)
    .attr('data-file', (s) => s.file ?? null)
    .attr('data-state', (s) => s.state)
    .attr('data-bloom', (s) => s.bloom ?? null);
  groups.select('rect').attr('class', (s) => `lsm-station__box lsm-station__box--${s.state}`);
  groups.select('text.lsm-station__title').text((s) => s.title);
  groups.select('text.lsm-station__line1').text((s) => s.lines[0] ?? '');
  groups.select('text.lsm-station__line2').text((s) => s.lines[1] ?? '');
  // Its own arrowhead: a marker id is unique in the page, and the tree's may not exist yet.
  svg
    .selectAll('defs')
    .data([null])
    .join('defs')
    .html(
      '<marker id="lsm-read-arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path class="lsm-compaction__head" d="M0,0 L10,5 L0,10 z"></path></marker>',
    );
  readPanel.caption.textContent = readCaption(read);
}

function readCaption(read) {
  if (!read) return 'Each part answers in turn; a Bloom filter that says "no" saves a block read.';
  if (read.trace === null)
    return `LevelDB does not report which filters it asked or which blocks it read: ${read.traceUnavailable ?? 'not reported'}.`;
  if (read.trace.noFilterReason) return `No Bloom filter asked: ${read.trace.noFilterReason}.`;
  return 'Blue: the filter said no, the table was skipped unread. Amber: it said maybe and the block did not hold the key (a false positive). Green: found.';
}

// The bloom-sstable live view: the LSM tree, drawn with d3.
//   1. The tree: the memtable filling towards its flush size, then one row per level with its
//      SSTable chips (id, size, key range). The last flush's and compaction's new files are
//      outlined green; the files a compaction merged away stay as dashed ghosts in the level they
//      left, with an arrow to the level the compaction wrote.
//   2. The last read's path: L1 cache, L2 cache (Redis), memtable, then each SSTable asked, with
//      each part's answer; a Bloom filter's "no" is a table the read skipped without a block read.
//   3. Figures: what the filters and caches did so far (GET /stats).
// The snapshot on connect carries the same state the events build, so a page opened now draws
// what a page open all along shows.

/* global d3 */

import { startLab } from '/lab-kit/lab-client.js';
import { arrowMarker, pictureSvg } from '/lab-kit/picture-svg.js';
import { eventLine } from './event-lines.js';
import { chipsThatFit, compactedGhosts, formatBytes, freshFiles, keyRangeLabel } from './level-chips.js';
import { panel, widthOf } from './panels.js';
import { drawReadPath } from './read-path-view.js';

const state = {
  engine: 'lsm',
  shape: {
    memtable: { entries: 0, bytes: 0, limitBytes: 1, immutableEntries: 0 },
    levels: [],
    writeStall: 'none',
  },
  lastFlush: null,
  lastCompaction: null,
  lastRead: null,
  stats: null,
};

const { view, socket, log } = startLab({
  title: 'bloom-sstable: an LSM store',
  onSnapshot: (snap) => {
    state.engine = snap.engine;
    state.shape = snap.shape;
    state.lastFlush = snap.lastFlush;
    state.lastCompaction = snap.lastCompaction;
    state.lastRead = snap.lastRead;
    state.stats = snap.stats;
    const title = snap.engine === 'leveldb' ? 'bloom-sstable on LevelDB' : 'bloom-sstable: an LSM store';
    document.title = title;
    const heading = document.querySelector('.lab-header h1');
    if (heading) heading.textContent = title;
    drawAll();
  },
});

// Handled here rather than through startLab's `on`, which logs each payload as JSON: a flush carries the
// whole tree, and the log should say what happened in one line.
const handlers = {
  'write:applied': ({ memtable }) => {
    state.shape = { ...state.shape, memtable };
    drawTree();
  },
  'memtable:flushed': ({ report, shape }) => {
    state.lastFlush = report;
    state.shape = shape;
    drawTree();
  },
  'compaction:finished': ({ report, inputs, shape }) => {
    state.lastCompaction = { report, inputs };
    state.shape = shape;
    drawTree();
  },
  'stall:changed': ({ state: stall }) => {
    state.shape = { ...state.shape, writeStall: stall };
    drawTree();
  },
  'read:traced': (read) => {
    state.lastRead = read;
    drawReadPath(readPanel, state.lastRead);
  },
};
for (const [event, handle] of Object.entries(handlers)) {
  socket.on(event, (payload) => {
    log(eventLine(event, payload));
    handle(payload);
  });
}

const treePanel = panel('lsm-tree', 'The LSM tree: memtable, flushes, levels, compaction');
const readPanel = panel('lsm-read', "The last read's path: caches, memtable, each SSTable's Bloom filter");
// The kit's event log scrolls once it fills: a keyboard user must be able to focus it to scroll it
// (axe: scrollable-region-focusable). Belongs in lab-client.js; done here until the kit does it.
document.querySelector('aside.lab-log')?.setAttribute('tabindex', '0');

const figures = document.createElement('p');
figures.className = 'lsm-figures';
figures.id = 'lsm-figures';
view.append(treePanel.section, readPanel.section, figures);

// ---- 1. the tree ------------------------------------------------------------------------------

const gutter = 160; // level labels, and the compaction arrow between them and the chips
const chipWidth = 144;
const chipHeight = 40;
const chipGap = 8;
const rowHeight = 50;
const memtableHeight = 46;

function drawTree() {
  if (!globalThis.d3) return;
  const { shape } = state;
  const width = widthOf(treePanel.section);
  const slots = Math.max(1, Math.floor((width - gutter + chipGap) / (chipWidth + chipGap)));
  const ghosts = compactedGhosts(state.lastCompaction, shape);
  const fresh = freshFiles(state.lastFlush, state.lastCompaction);
  const rowY = (level) => memtableHeight + 8 + level * rowHeight;
  const height = rowY(shape.levels.length) + 4;
  const svg = pictureSvg(treePanel.section, {
    width,
    height,
    label:
      `memtable ${shape.memtable.entries ?? 'not reported'} entries; ` +
      shape.levels.map((l) => `L${l.level}: ${l.files.length} files`).join(', '),
  });

  drawMemtable(svg, width);

  const rows = svg
    .selectAll('g.lsm-level')
    .data(shape.levels, (l) => l.level)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lsm-level');
      g.append('rect').attr('class', 'lsm-level__band').attr('rx', 4);
      g.append('text').attr('class', 'lsm-level__name').attr('x', 8).attr('y', 20);
      g.append('text').attr('class', 'lsm-level__figures').attr('x', 8).attr('y', 37);
      return g;
    })
    .attr('data-level', (l) => l.level)
    .attr('data-files', (l) => l.files.length)
    .attr('transform', (l) => `translate(0,${rowY(l.level)})`);
  rows
    .select('rect.lsm-level__band')
    .attr('width', width)
    .attr('height', rowHeight - 4);
  rows.select('text.lsm-level__name').text((l) => `L${l.level}`);
  rows
    .select('text.lsm-level__figures')
    .attr('data-due', (l) => ((l.score ?? 0) >= 1 ? 'true' : 'false'))
    .text((l) => levelFigures(l));

  rows.each(function drawRow(level) {
    const mine = ghosts.filter((g) => g.level === level.level).map((g) => ({ ...g, isGhost: true }));
    const { shown, hidden } = chipsThatFit([...level.files, ...mine], slots);
    const items = [...shown, ...(hidden > 0 ? [{ more: hidden }] : [])];
    const chips = d3
      .select(this)
      .selectAll('g.lsm-chip')
      .data(items, (f) => (f.more === undefined ? `${f.isGhost ? 'ghost' : 'live'}-${f.file}` : 'more'))
      .join((enter) => {
        const g = enter.append('g').attr('class', 'lsm-chip');
        g.append('title');
        g.append('rect').attr('rx', 4).attr('width', chipWidth).attr('height', chipHeight);
        g.append('text').attr('class', 'lsm-chip__id').attr('x', 7).attr('y', 16);
        g.append('text').attr('class', 'lsm-chip__keys').attr('x', 7).attr('y', 32);
        return g;
      })
      .attr('transform', (_f, i) => `translate(${gutter + i * (chipWidth + chipGap)},3)`)
      .attr('data-file', (f) => f.file ?? null)
      .attr('data-state', (f) =>
        f.more !== undefined ? 'more' : f.isGhost ? 'compacted' : fresh.has(f.file) ? 'new' : 'live',
      );
    chips
      .select('rect')
      .attr('class', (f) =>
        f.more !== undefined
          ? 'lsm-chip__box lsm-chip__box--more'
          : `lsm-chip__box lsm-chip__box--${f.isGhost ? 'compacted' : fresh.has(f.file) ? 'new' : 'live'}`,
      );
    chips
      .select('text.lsm-chip__id')
      .text((f) =>
        f.more !== undefined
          ? `+${f.more} more`
          : f.isGhost
            ? `#${f.file} · merged`
            : `#${f.file} · ${formatBytes(f.sizeBytes)}${fresh.has(f.file) ? ' new' : ''}`,
      );
    chips
      .select('text.lsm-chip__keys')
      .text((f) => (f.more !== undefined ? `of ${level.files.length} files` : keyRangeLabel(f, 19)));
    chips
      .select('title')
      .text((f) =>
        f.more !== undefined
          ? `${f.more} more files in L${level.level}: GET /sstables lists them all`
          : `SSTable #${f.file}, ${f.sizeBytes} bytes, keys ${f.smallestKey ?? '?'} … ${f.largestKey ?? '?'}` +
            (f.entries === null || f.entries === undefined ? '' : `, ${f.entries} entries`),
      );
  });

  drawCompactionArrow(svg, rowY);
  treePanel.caption.textContent = treeCaption(ghosts);
}

/** "3 of 4 files" for L0 (its compaction trigger), "67.3 KiB / 1.0 MiB" below (the level's budget). */
function levelFigures(level) {
  const bytes = level.files.reduce((n, f) => n + f.sizeBytes, 0);
  if (level.compactAtFiles) return `${level.files.length} of ${level.compactAtFiles} files`;
  if (level.maxBytes) return `${formatBytes(bytes)} / ${formatBytes(level.maxBytes)}`;
  return `${level.files.length} · ${formatBytes(bytes)}`;
}

function drawMemtable(svg, width) {
  const { memtable, writeStall } = state.shape;
  const trackWidth = Math.max(160, width - gutter - 330);
  const isReported = memtable.bytes !== null;
  const fill = isReported ? Math.min(1, memtable.bytes / memtable.limitBytes) : 0;
  const g = svg
    .selectAll('g.lsm-memtable')
    .data([null])
    .join((enter) => {
      const m = enter.append('g').attr('class', 'lsm-memtable');
      m.append('text').attr('class', 'lsm-level__name').attr('x', 8).attr('y', 18).text('memtable');
      m.append('rect').attr('class', 'lsm-memtable__track').attr('rx', 3).attr('y', 6).attr('height', 16);
      m.append('rect').attr('class', 'lsm-memtable__fill').attr('rx', 3).attr('y', 6).attr('height', 16);
      m.append('text').attr('class', 'lsm-memtable__figures').attr('y', 18);
      m.append('text').attr('class', 'lsm-memtable__note').attr('x', gutter).attr('y', 40);
      return m;
    })
    .attr('id', 'lsm-memtable')
    .attr('data-entries', memtable.entries ?? 'n/a')
    .attr('data-fill', fill.toFixed(3));
  g.select('rect.lsm-memtable__track').attr('x', gutter).attr('width', trackWidth);
  g.select('rect.lsm-memtable__fill')
    .attr('x', gutter)
    .attr('width', trackWidth * fill);
  g.select('text.lsm-memtable__figures')
    .attr('x', gutter + trackWidth + 10)
    .text(
      isReported
        ? `${memtable.entries} entries · ${formatBytes(memtable.bytes)} of ${formatBytes(memtable.limitBytes)}`
        : `not reported · flushes at ${formatBytes(memtable.limitBytes)}`,
    );
  const flushing = memtable.immutableEntries ? ` · ${memtable.immutableEntries} entries being flushed` : '';
  const stall = writeStall === null ? 'write stall: not reported' : `write stall: ${writeStall}`;
  g.select('text.lsm-memtable__note')
    .attr('data-stall', writeStall ?? 'n/a')
    .text(
      isReported
        ? `full at the bar's end: it is frozen and flushed as one L0 SSTable${flushing} · ${stall}`
        : `LevelDB keeps its memtable inside and does not report it · ${stall}`,
    );
}

function drawCompactionArrow(svg, rowY) {
  const last = state.lastCompaction;
  const from = last ? Math.min(...last.inputs.map((f) => f.level), last.report.level) : 0;
  const to = last?.report.outputLevel ?? 0;
  const data = last && to !== from ? [{ from, to }] : [];
  const arrowHead = arrowMarker(svg, { id: 'lsm-arrowhead', headClass: 'lsm-compaction__head' });
  svg
    .selectAll('path.lsm-compaction')
    .data(data)
    .join('path')
    .attr('class', 'lsm-compaction')
    .attr('id', 'lsm-compaction-arrow')
    .attr('data-from-level', (d) => d.from)
    .attr('data-to-level', (d) => d.to)
    .attr('marker-end', arrowHead)
    .attr('d', (d) => {
      const y1 = rowY(d.from) + rowHeight / 2 - 2;
      const y2 = rowY(d.to) + rowHeight / 2 - 2;
      return `M${gutter - 36},${y1} C${gutter - 10},${y1} ${gutter - 26},${y2} ${gutter - 4},${y2}`;
    });
}

function treeCaption(ghosts) {
  const last = state.lastCompaction;
  const flush = state.lastFlush;
  const parts = [];
  if (flush) {
    parts.push(
      flush.fileNumber === null
        ? 'Last flush: LevelDB does not say which file it wrote.'
        : `Last flush: ${flush.entries} entries → L0 #${flush.fileNumber}.`,
    );
  }
  if (last) {
    const r = last.report;
    const dropped =
      r.droppedVersions === null
        ? ''
        : `, ${r.droppedVersions} old versions and ${r.droppedTombstones} tombstones dropped`;
    parts.push(
      `Last compaction (${r.reason}): ${r.inputFiles.map((f) => `#${f}`).join(' ') || 'no file'} → ` +
        `L${r.outputLevel} ${r.outputFiles.map((f) => `#${f}`).join(' ') || '(nothing left)'}${dropped}.`,
    );
  }
  if (ghosts.length > 0) parts.push('Dashed: files merged away. Green: just written.');
  if (state.engine === 'leveldb') parts.push('LevelDB reports file ids and sizes only: no key ranges.');
  return parts.length > 0
    ? parts.join(' ')
    : 'No flush yet: every write is in the WAL and the memtable (POST /flush writes an L0 SSTable).';
}

// ---- 3. figures ---------------------------------------------------------------------------------

function drawFigures() {
  const s = state.stats;
  if (!s) return;
  const bloom = s.bloom ?? {};
  const l1 = s.cache?.l1;
  const l2 = s.cache?.l2;
  const filters =
    bloom.checks === null || bloom.checks === undefined
      ? 'Bloom filters: LevelDB does not count its checks.'
      : `Bloom filters so far: ${bloom.checks} checks, ${bloom.negatives} said no` +
        (bloom.checks > 0 ? ` (${((100 * bloom.negatives) / bloom.checks).toFixed(1)} %)` : '') +
        `, ${bloom.falsePositives} false positives (theory ${(100 * (bloom.theoreticalFalsePositiveRate ?? 0)).toFixed(2)} % at ${bloom.bitsPerKey} bits per key).`;
  const count = (n, one, many) => `${n ?? 0} ${n === 1 ? one : many}`;
  const caches =
    ` L1 cache: ${count(l1?.hits, 'hit', 'hits')}, ${count(l1?.misses, 'miss', 'misses')}.` +
    (l2
      ? ` L2 (Redis): ${count(l2.hits, 'hit', 'hits')}, ${count(l2.misses, 'miss', 'misses')}.`
      : ' No L2 cache.');
  figures.textContent = filters + caches;
}

async function refreshStats() {
  try {
    const answer = await fetch('/stats');
    if (!answer.ok) return;
    state.stats = await answer.json();
    drawFigures();
  } catch {
    // The service is down or paused: keep the last figures; the header says so.
  }
}

function drawAll() {
  drawTree();
  drawReadPath(readPanel, state.lastRead);
  drawFigures();
}

setInterval(() => void refreshStats(), 2000);
window.addEventListener('resize', drawAll);

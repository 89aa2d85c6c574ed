// The last anti-entropy round: how the comparison went down the replicas' Merkle trees (per
// level, nodes compared and nodes that differed: only those are opened), then, per pair of
// replicas, which ranges of the key space differed, drawn repaired once the round shipped
// the missing versions.

/* global d3 */
import { pictureSvg } from '/lab-kit/picture-svg.js';

const cellsShown = 64;
const levelRow = 13;
const pairRow = 16;

/** `last`: { compared, report } of the last round (either may be missing while a round runs). */
export function drawMerkle(container, last) {
  const compared = last?.compared;
  const report = last?.report;
  const levels = compared?.levels ?? [];
  const pairs = compared?.pairs ?? [];
  const width = Math.max(300, container.clientWidth);
  const levelsWidth = 150;
  const gridX = levelsWidth + 110;
  const cellWidth = Math.max(2, Math.floor((width - gridX - 4) / cellsShown));
  const height = Math.max(levels.length * levelRow, pairs.length * pairRow + 18, 30) + 10;
  const isRepaired = (pair) =>
    report !== undefined &&
    report.replicasCompared.includes(pair.a) &&
    report.replicasCompared.includes(pair.b);
  const summary = !compared
    ? 'No anti-entropy round yet (POST /anti-entropy, or the background loop).'
    : `${pairs.reduce((n, p) => n + p.ranges.length, 0)} ranges differed between pairs of replicas`;

  const svg = pictureSvg(container, { width, height, label: summary }).attr('data-rounds', report ? 1 : 0);
  svg
    .selectAll('text.qc-merkle__none')
    .data(compared ? [] : [summary])
    .join('text')
    .attr('class', 'qc-merkle__none')
    .attr('x', 0)
    .attr('y', 16)
    .text((d) => d);

  // Top down: each level's compared nodes as a bar, the differing ones (opened next) over it.
  const widest = Math.max(1, ...levels.map((l) => l.compared));
  const scale = d3
    .scaleLog()
    .domain([1, Math.max(2, widest)])
    .range([8, levelsWidth - 60]);
  const rows = svg
    .selectAll('g.qc-level')
    .data(levels, (l) => l.level)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-level');
      g.append('text').attr('class', 'qc-level__name').attr('x', 0).attr('y', 10);
      g.append('rect').attr('class', 'qc-level__compared').attr('x', 28).attr('height', 9).attr('y', 2);
      g.append('rect').attr('class', 'qc-level__differing').attr('x', 28).attr('height', 9).attr('y', 2);
      g.append('text').attr('class', 'qc-level__count').attr('y', 10);
      return g;
    })
    .attr('data-level', (l) => l.level)
    .attr('data-differing', (l) => l.differing)
    .attr('transform', (_l, i) => `translate(0,${i * levelRow})`);
  rows.select('text.qc-level__name').text((l) => `L${l.level}`);
  rows.select('rect.qc-level__compared').attr('width', (l) => scale(Math.max(1, l.compared)));
  rows
    .select('rect.qc-level__differing')
    .attr('width', (l) => (l.differing === 0 ? 0 : scale(Math.max(1, l.differing))));
  rows
    .select('text.qc-level__count')
    .attr('x', (l) => 34 + scale(Math.max(1, l.compared)))
    .text((l) => `${l.differing}/${l.compared}`);

  // Per pair, the key space in 64 cells: a cell is marked if a differing range falls in it.
  const shift = (compared?.depth ?? 14) - Math.log2(cellsShown);
  const pairRows = svg
    .selectAll('g.qc-pair')
    .data(pairs, (p) => `${p.a}|${p.b}`)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-pair');
      g.append('text').attr('class', 'qc-pair__name').attr('x', -104).attr('y', 11);
      return g;
    })
    .attr('data-pair', (p) => `${p.a}|${p.b}`)
    .attr('transform', (_p, i) => `translate(${gridX},${i * pairRow})`);
  pairRows
    .select('text.qc-pair__name')
    .text((p) => `${p.a.replace('replica-', 'r')} vs ${p.b.replace('replica-', 'r')}`);
  pairRows
    .selectAll('rect.qc-cell')
    .data((p) => {
      const marked = new Set(p.ranges.map((first) => first >> shift));
      const state = isRepaired(p) ? 'repaired' : 'differs';
      return d3.range(cellsShown).map((i) => ({ i, state: marked.has(i) ? state : 'same' }));
    })
    .join('rect')
    .attr('class', (c) => `qc-cell qc-cell--${c.state}`)
    .attr('data-state', (c) => c.state)
    .attr('x', (c) => c.i * cellWidth)
    .attr('y', 2)
    .attr('width', Math.max(1, cellWidth - 1))
    .attr('height', 12);
  svg
    .selectAll('text.qc-merkle__legend')
    .data(compared ? [null] : [])
    .join('text')
    .attr('class', 'qc-merkle__legend')
    .attr('x', pairs.length === 0 ? levelsWidth : gridX - 104)
    .attr('y', pairs.length * pairRow + 14)
    .text(
      pairs.length === 0
        ? 'no range differed'
        : report
          ? 'marked: ranges that differed, repaired'
          : 'marked: ranges that differ (repair running)',
    );
}

/** The round in one sentence, under the picture. */
export function merkleCaption(last) {
  const report = last?.report;
  if (!report) return '';
  const skipped =
    report.replicasSkipped.length > 0 ? ` (${report.replicasSkipped.join(', ')} left out: no answer)` : '';
  return `${report.replicasCompared.join(', ')} compared${skipped}: ${report.rangesCompared} tree nodes read, ${report.rangesDiffering} ranges differed, ${report.keysListed} keys listed, ${report.keysRepaired} keys repaired; ${report.bytesMoved.toLocaleString('en')} bytes on the wire vs ${report.fullCopyBytes.toLocaleString('en')} for a full copy.`;
}

// The live view's third picture: every write's fencing token in the order the resource saw them.
// Accepted tokens rise along a step line; a stale one is drawn refused (a red cross) or, with the
// check off, let in (amber): the lost update fencing exists to prevent.

/* global d3 */

function writesOf(log, writesShown) {
  if (!log) return [];
  const all = [
    ...log.accepted.map((w) => ({ ...w, isAccepted: true })),
    ...log.rejected.map((w) => ({ ...w, isAccepted: false })),
  ].sort((a, b) => a.atMs - b.atMs || (a.writeId < b.writeId ? -1 : 1));
  let highest = -Infinity;
  return all.slice(-writesShown).map((w) => {
    // The resource refuses a token not higher than one it accepted; with the check off it lets it in.
    const kind = !w.isAccepted ? 'refused' : w.fencingToken <= highest ? 'unchecked' : 'accepted';
    const before = highest;
    if (w.isAccepted) highest = Math.max(highest, w.fencingToken);
    return { ...w, kind, highestBefore: before };
  });
}

/** Draws the chart into `panel` ({ section, caption }) from the resource's log (GET /resources/{r}). */
export function drawTokens(panel, resource, log, writesShown) {
  const writes = writesOf(log, writesShown);
  const width = Math.max(480, panel.section.clientWidth - 40);
  const height = 170;
  const margin = { top: 24, right: 40, bottom: 30, left: 44 };
  const x = d3
    .scalePoint()
    .domain(writes.map((w) => w.writeId))
    .range([margin.left + 10, width - margin.right])
    .padding(0.3);
  const tokens = writes.map((w) => w.fencingToken);
  const y = d3
    .scaleLinear()
    // The tokens' own range: the steps between them are what the picture is about.
    .domain(tokens.length === 0 ? [0, 1] : [Math.max(0, Math.min(...tokens) - 1), Math.max(...tokens) + 1])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const svg = d3
    .select(panel.section)
    .selectAll('svg')
    .data([null])
    .join('svg')
    .attr('role', 'img')
    .attr('aria-label', `fencing tokens of the last ${writes.length} writes to ${resource || 'no resource'}`)
    .attr('width', width)
    .attr('height', height);
  svg
    .selectAll('g.lock-tokens__axis')
    .data([null])
    .join('g')
    .attr('class', 'lock-tokens__axis')
    .attr('transform', `translate(${margin.left},0)`)
    .call(d3.axisLeft(y).ticks(4).tickFormat(d3.format('d')));
  const accepted = writes.filter((w) => w.kind === 'accepted');
  svg
    .selectAll('path.lock-tokens__rise')
    .data([accepted])
    .join('path')
    .attr('class', 'lock-tokens__rise')
    .attr(
      'd',
      d3
        .line()
        .x((w) => x(w.writeId))
        .y((w) => y(w.fencingToken))
        .curve(d3.curveStepAfter),
    );
  const marks = svg
    .selectAll('g.lock-write')
    .data(writes, (w) => w.writeId)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lock-write');
      g.append('path');
      g.append('text').attr('text-anchor', 'middle');
      return g;
    })
    .attr('data-token', (w) => w.fencingToken)
    .attr('data-state', (w) => w.kind)
    .attr('data-writer', (w) => w.writer)
    .attr('transform', (w) => `translate(${x(w.writeId)},${y(w.fencingToken)})`);
  marks
    .select('path')
    .attr('class', (w) => `lock-write__mark lock-write--${w.kind}`)
    .attr('d', (w) =>
      d3.symbol(w.kind === 'refused' ? d3.symbolX : d3.symbolCircle, w.kind === 'refused' ? 120 : 90)(),
    );
  marks
    .select('text')
    .attr('class', (w) => `lock-write__label lock-write__label--${w.kind}`)
    // Tokens above their point; a stale one below it, clear of the rising line.
    .attr('y', (w) => (w.kind === 'accepted' ? -10 : 20))
    .text((w) =>
      w.kind === 'refused'
        ? `${w.fencingToken} refused`
        : w.kind === 'unchecked'
          ? `${w.fencingToken} stale, let in`
          : String(w.fencingToken),
    );
  const last = writes.at(-1);
  panel.caption.textContent =
    writes.length === 0
      ? `No write to ${resource || 'any resource'} yet: POST /resources/{name}/writes with the fencing token.`
      : `${log?.isFencingCheckOn === false ? 'Fencing check OFF: every token is let in. ' : ''}` +
        `Last: ${last.writer} wrote with token ${last.fencingToken}: ` +
        (last.kind === 'refused'
          ? `refused, not higher than ${last.highestBefore} already accepted.`
          : last.kind === 'unchecked'
            ? `let in although ${last.highestBefore} was accepted before: a lost update.`
            : 'accepted, higher than any before.');
}

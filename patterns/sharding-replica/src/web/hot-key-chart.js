// The hot keys: the count-min sketch's estimate for each of the top keys, as bars; a key over
// the hot threshold is drawn hot (and, with a mitigation on, served by it).

/* global d3 */

const barHeight = 16;

export function drawHotKeys(section, caption, hotKeys) {
  const top = hotKeys?.top ?? [];
  caption.textContent =
    top.length === 0
      ? `No reads yet. Mitigation: ${hotKeys?.mitigation ?? 'off'}.`
      : `Top ${top.length} keys by estimated accesses (count-min sketch). Mitigation: ${hotKeys.mitigation}.`;
  const width = Math.max(300, section.clientWidth - 24);
  const labelWidth = 120;
  const height = Math.max(1, top.length) * (barHeight + 4) + 4;
  const x = d3
    .scaleLinear()
    .domain([0, Math.max(1, ...top.map((t) => t.estimate))])
    .range([0, width - labelWidth - 60]);
  const svg = d3
    .select(section)
    .selectAll('svg')
    .data([null])
    .join('svg')
    .attr('id', 'sr-hotkeys-chart')
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', `estimated accesses of the top ${top.length} keys`);
  const rows = svg
    .selectAll('g.sr-hot')
    .data(top, (t) => t.key)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'sr-hot');
      g.append('text')
        .attr('class', 'sr-hot__key')
        .attr('y', barHeight - 4);
      g.append('rect').attr('x', labelWidth).attr('height', barHeight).attr('rx', 2);
      g.append('text')
        .attr('class', 'sr-hot__count')
        .attr('y', barHeight - 4);
      return g;
    })
    .attr('data-hotkey', (t) => t.key)
    .attr('data-hot', (t) => String(t.isHot))
    .attr('transform', (_t, i) => `translate(0,${i * (barHeight + 4) + 2})`);
  rows.select('text.sr-hot__key').text((t) => (t.key.length > 16 ? `${t.key.slice(0, 15)}…` : t.key));
  rows
    .select('rect')
    .attr('class', (t) => `sr-hot__bar${t.isHot ? ' sr-hot__bar--hot' : ''}`)
    .attr('width', (t) => Math.max(1, x(t.estimate)));
  rows
    .select('text.sr-hot__count')
    .attr('x', (t) => labelWidth + Math.max(1, x(t.estimate)) + 6)
    .text((t) => `${t.estimate}${t.isHot ? ' hot' : ''}`);
}

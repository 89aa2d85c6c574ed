/* global d3 */
// The one <svg> a picture draws in: created on the first draw, resized and relabelled on every later one,
// so a picture's code starts from its own marks. The label is what a screen reader says of the picture.

/** The picture's svg in `container`, `width` x `height`, with `label` as its accessible name. */
export function pictureSvg(container, { width, height, label }) {
  return d3
    .select(container)
    .selectAll('svg')
    .data([null])
    .join('svg')
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', label);
}

/**
 * An arrowhead marker in the svg's <defs>, made once and reused on every draw. Returns the value for
 * a line's or path's `marker-end` attribute. `headClass` styles the head (its fill follows the theme).
 */
export function arrowMarker(svg, { id, headClass, refX = 9, orient = 'auto-start-reverse' }) {
  svg
    .selectAll('defs')
    .data([null])
    .join('defs')
    .selectAll(`marker#${id}`)
    .data([null])
    .join('marker')
    .attr('id', id)
    .attr('viewBox', '0 0 10 10')
    .attr('refX', refX)
    .attr('refY', 5)
    .attr('markerWidth', 7)
    .attr('markerHeight', 7)
    .attr('orient', orient)
    .selectAll('path')
    .data([null])
    .join('path')
    .attr('class', headClass)
    .attr('d', 'M0,0 L10,5 L0,10 z');
  return `url(#${id})`;
}

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

// The live view's panels: a titled section with a caption, and the one SVG each one draws in.
import { picturePanel } from '/lab-kit/lab-client.js';

/** A section with its heading and a caption paragraph under the drawing. */
export const panel = (id, heading) => picturePanel(id, heading, 'lsm');

/** The section's one SVG (created on first use), labelled for screen readers. */
export const svgIn = (section, label) =>
  d3.select(section).selectAll('svg').data([null]).join('svg').attr('role', 'img').attr('aria-label', label);

/** The drawing width a section offers (never narrower than the smallest layout). */
export const widthOf = (section) => Math.max(520, section.clientWidth - 32);

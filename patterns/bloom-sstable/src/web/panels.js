// The live view's panels: a titled section with a caption, and the width a drawing may take.
import { picturePanel } from '/lab-kit/lab-client.js';

/** A section with its heading and a caption paragraph under the drawing. */
export const panel = (id, heading) => picturePanel(id, heading, 'lsm');

/** The drawing width a section offers (never narrower than the smallest layout). */
export const widthOf = (section) => Math.max(520, section.clientWidth - 32);

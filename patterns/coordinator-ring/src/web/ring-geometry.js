// Where the ring's nodes sit and where a message's arrow runs: pure, so a test can check it.

/** Members in ring order, evenly on a circle, the first at the top, clockwise. */
export function nodePositions(ids, { cx, cy, radius }) {
  const count = Math.max(ids.length, 1);
  return new Map(
    ids.map((id, i) => {
      const angle = (2 * Math.PI * i) / count - Math.PI / 2;
      return [id, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) }];
    }),
  );
}

/**
 * The arrow from one node's edge to the other's, moved `offset` to the right of its direction:
 * a request and its answer run side by side instead of on top of each other.
 */
export function arrowBetween(a, b, nodeRadius, offset) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const ux = dx / length;
  const uy = dy / length;
  // Right of the direction of travel, in screen coordinates (y grows downwards).
  const px = -uy * offset;
  const py = ux * offset;
  return {
    x1: a.x + ux * nodeRadius + px,
    y1: a.y + uy * nodeRadius + py,
    x2: b.x - ux * nodeRadius + px,
    y2: b.y - uy * nodeRadius + py,
  };
}

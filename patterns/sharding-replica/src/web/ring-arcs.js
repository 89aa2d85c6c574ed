// The ring as arcs: a key belongs to the first point clockwise of its hash, so each point owns
// the arc that ends at it (a virtual node on the router's ring, the last slot of a range on the
// cluster's slot map). Neighbouring points of one shard merge into one arc.

const ringSize = 2 ** 32;

/** Arcs as fractions of the circle [start, end), starting at 0 (12 o'clock), clockwise. */
export function ringArcs(points) {
  const sorted = [...points].sort((a, b) => a.position - b.position);
  if (sorted.length === 0) return [];
  const arcs = [];
  let start = 0;
  for (const point of sorted) {
    const end = (point.position + 1) / ringSize;
    const last = arcs.at(-1);
    if (last && last.shard === point.shard) last.end = end;
    else arcs.push({ shard: point.shard, start, end });
    start = end;
  }
  // The arc after the last point wraps past 12 o'clock to the first point: its owner is the first point's.
  const first = sorted[0];
  const last = arcs.at(-1);
  if (start < 1) {
    if (last.shard === first.shard) last.end = 1;
    else arcs.push({ shard: first.shard, start, end: 1 });
  }
  return arcs;
}

/** How many points each shard has on the ring. */
export function pointsPerShard(points) {
  const counts = {};
  for (const p of points) counts[p.shard] = (counts[p.shard] ?? 0) + 1;
  return counts;
}

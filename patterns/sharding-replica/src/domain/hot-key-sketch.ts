import { murmur3_32 } from '@kvs-lab/shared/hashing';

/**
 * Hot-key detection in bounded memory: a count-min sketch (Cormode and
 * Muthukrishnan 2005) estimates each key's access count from `depth` rows of
 * `width` counters, and a small table keeps the `topK` keys with the highest
 * estimates. Memory is width x depth counters plus topK entries, whatever the
 * number of distinct keys. Estimates never undercount; they overcount by at
 * most about total x e / width with probability 1 - e^-depth.
 */

export interface HotKeySketch {
  readonly width: number;
  readonly depth: number;
  readonly topK: number;
  /** Row-major counters, depth rows of width. */
  readonly counters: readonly number[];
  /** Accesses counted since the last decay. */
  readonly total: number;
  /** The current top keys and their estimates, highest first. */
  readonly top: readonly { readonly key: string; readonly estimate: number }[];
}

/** An empty sketch. */
export function createSketch(options: { width: number; depth: number; topK: number }): HotKeySketch {
  return {
    ...options,
    counters: new Array<number>(options.width * options.depth).fill(0),
    total: 0,
    top: [],
  };
}

/**
 * The key's counter in each row. Two hashes make all `depth` of them (Kirsch and Mitzenmacher 2006:
 * row i takes h1 + i * h2), as good as `depth` independent hashes for a count-min sketch, at two hashes
 * of the key per access instead of one per row.
 */
function keyHashes(key: string): { readonly h1: number; readonly h2: number } {
  // h2 odd, so no two rows share a column when the width is a power of two.
  return { h1: murmur3_32(key, 1), h2: murmur3_32(key, 2) | 1 };
}

function cell(sketch: HotKeySketch, row: number, hashes: { h1: number; h2: number }): number {
  return row * sketch.width + (((hashes.h1 + Math.imul(row, hashes.h2)) >>> 0) % sketch.width);
}

/** The estimated count of `key`: the smallest of its counters, the one least inflated by collisions. */
export function estimate(sketch: HotKeySketch, key: string): number {
  const hashes = keyHashes(key);
  let smallest = Number.POSITIVE_INFINITY;
  for (let row = 0; row < sketch.depth; row++) {
    smallest = Math.min(smallest, sketch.counters[cell(sketch, row, hashes)] ?? 0);
  }
  return smallest;
}

/**
 * Counts one access to `key`. The sketch is a value, but copying the counters
 * on every access would cost more than the request, so `recordAccess` returns
 * a new value built over a counter array it alone owns: callers must treat
 * the old value as spent.
 */
export function recordAccess(sketch: HotKeySketch, key: string): HotKeySketch {
  const counters = sketch.counters as number[];
  // The estimate after counting is the smallest of the key's counters, read as they are incremented.
  const hashes = keyHashes(key);
  let keyEstimate = Number.POSITIVE_INFINITY;
  for (let row = 0; row < sketch.depth; row++) {
    const i = cell(sketch, row, hashes);
    const count = (counters[i] ?? 0) + 1;
    counters[i] = count;
    keyEstimate = Math.min(keyEstimate, count);
  }
  return {
    ...sketch,
    counters,
    total: sketch.total + 1,
    top: updateTop(sketch.top, key, keyEstimate, sketch.topK),
  };
}

function updateTop(
  top: HotKeySketch['top'],
  key: string,
  keyEstimate: number,
  topK: number,
): HotKeySketch['top'] {
  const at = top.findIndex((e) => e.key === key);
  const lowest = top.at(-1);
  // The common case under skew: a cold key that cannot enter a full list costs no allocation.
  if (at === -1 && top.length >= topK && lowest !== undefined && lowest.estimate >= keyEstimate) return top;
  // The others in order (the last one dropped when the key enters a full list), the key put in its place:
  // no sort per access.
  const next = at === -1 ? top.slice(0, topK - 1) : top.filter((_, i) => i !== at);
  const place = next.findIndex((e) => e.estimate < keyEstimate);
  next.splice(place === -1 ? next.length : place, 0, { key, estimate: keyEstimate });
  return next;
}

/** Halves every counter, so old heat fades and a key that cooled down leaves the top. */
export function decay(sketch: HotKeySketch): HotKeySketch {
  return {
    ...sketch,
    counters: sketch.counters.map((c) => Math.floor(c / 2)),
    total: Math.floor(sketch.total / 2),
    top: sketch.top
      .map((e) => ({ ...e, estimate: Math.floor(e.estimate / 2) }))
      .filter((e) => e.estimate > 0),
  };
}

/** A key is hot when it takes at least `minShare` of the accesses and `minCount` of them in absolute terms. */
export function isHot(
  sketch: HotKeySketch,
  keyEstimate: number,
  rule: { readonly minShare: number; readonly minCount: number },
): boolean {
  return keyEstimate >= rule.minCount && keyEstimate >= rule.minShare * sketch.total;
}

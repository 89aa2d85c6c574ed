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
  readonly counters: Uint32Array;
  /** Accesses counted since the last decay. */
  total: number;
  /** The current top keys and their estimates, highest first. */
  readonly top: TopEntry[];
}

/** One key of the top list; entries are reused as keys enter and leave it. */
export interface TopEntry {
  key: string;
  estimate: number;
}

/** An empty sketch. */
export function createSketch(options: { width: number; depth: number; topK: number }): HotKeySketch {
  return {
    width: options.width,
    depth: options.depth,
    topK: options.topK,
    counters: new Uint32Array(options.width * options.depth),
    total: 0,
    top: [],
  };
}

/*
 * The key's counter in each row comes from two hashes (Kirsch and Mitzenmacher 2006: row i takes
 * h1 + i * h2), as good as `depth` independent hashes for a count-min sketch, at two hashes of the key
 * per access instead of one per row. h2 is odd, so no two rows share a column when the width is a power
 * of two.
 */
function firstHash(key: string): number {
  return murmur3_32(key, 1);
}

function secondHash(key: string): number {
  return murmur3_32(key, 2) | 1;
}

function cell(sketch: HotKeySketch, row: number, h1: number, h2: number): number {
  return row * sketch.width + (((h1 + Math.imul(row, h2)) >>> 0) % sketch.width);
}

/** The estimated count of `key`: the smallest of its counters, the one least inflated by collisions. */
export function estimate(sketch: HotKeySketch, key: string): number {
  const h1 = firstHash(key);
  const h2 = secondHash(key);
  let smallest = Number.POSITIVE_INFINITY;
  for (let row = 0; row < sketch.depth; row++) {
    smallest = Math.min(smallest, sketch.counters[cell(sketch, row, h1, h2)] ?? 0);
  }
  return smallest;
}

/**
 * Counts one access to `key`, in place. A sketch exists to count every access of a busy router in fixed
 * memory; a copy per access (of the counters, or of the sketch and its top list) cost more than the
 * count itself in the router's profile, so a sketch is a structure its one owner updates, not a value.
 */
export function recordAccess(sketch: HotKeySketch, key: string): void {
  const counters = sketch.counters;
  // The estimate after counting is the smallest of the key's counters, read as they are incremented.
  const h1 = firstHash(key);
  const h2 = secondHash(key);
  let keyEstimate = Number.POSITIVE_INFINITY;
  for (let row = 0; row < sketch.depth; row++) {
    const i = cell(sketch, row, h1, h2);
    const count = (counters[i] ?? 0) + 1;
    counters[i] = count;
    keyEstimate = Math.min(keyEstimate, count);
  }
  sketch.total += 1;
  updateTop(sketch, key, keyEstimate);
}

/**
 * Puts `key` at its place in the top list: its entry raised, or a new one (the lowest entry's, when the
 * list is full) moved up past every entry with a lower estimate. No sort, and no allocation once full.
 */
function updateTop(sketch: HotKeySketch, key: string, keyEstimate: number): void {
  const top = sketch.top;
  let at = top.findIndex((e) => e.key === key);
  if (at === -1) {
    const lowest = top.at(-1);
    if (top.length < sketch.topK) {
      at = top.push({ key, estimate: keyEstimate }) - 1;
    } else if (lowest !== undefined && lowest.estimate < keyEstimate) {
      // The common case under skew, a cold key that cannot enter a full list, ends in the test above.
      at = top.length - 1;
      lowest.key = key;
    } else {
      return;
    }
  }
  const entry = top[at] as TopEntry;
  entry.estimate = keyEstimate;
  // Moved up past the entries it now exceeds; after equal ones, so the earlier of a tie stays first.
  while (at > 0 && (top[at - 1] as TopEntry).estimate < keyEstimate) {
    top[at] = top[at - 1] as TopEntry;
    at -= 1;
  }
  top[at] = entry;
}

/** Halves every counter, in place, so old heat fades and a key that cooled down leaves the top. */
export function decay(sketch: HotKeySketch): void {
  const counters = sketch.counters;
  for (let i = 0; i < counters.length; i++) counters[i] = (counters[i] ?? 0) >>> 1;
  sketch.total = Math.floor(sketch.total / 2);
  for (const entry of sketch.top) entry.estimate = Math.floor(entry.estimate / 2);
  const kept = sketch.top.filter((e) => e.estimate > 0);
  sketch.top.splice(0, sketch.top.length, ...kept);
}

/** A key is hot when it takes at least `minShare` of the accesses and `minCount` of them in absolute terms. */
export function isHot(
  sketch: HotKeySketch,
  keyEstimate: number,
  rule: { readonly minShare: number; readonly minCount: number },
): boolean {
  return keyEstimate >= rule.minCount && keyEstimate >= rule.minShare * sketch.total;
}

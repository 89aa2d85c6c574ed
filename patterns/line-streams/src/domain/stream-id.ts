/**
 * Redis stream entry ids (`<ms>-<seq>`). The group's cursor and the per-room
 * "last applied" mark are ids, and ordering is the whole point of this pattern,
 * so comparing them is a rule of its own rather than a string compare
 * ("9-0" sorts after "10-0" as text).
 */

export interface StreamId {
  readonly ms: number;
  readonly seq: number;
}

const idPattern = /^(\d{1,16})-(\d{1,16})$/;

/** Parses `<ms>-<seq>`; undefined when it is not a complete stream id. */
export function parseStreamId(text: string): StreamId | undefined {
  const match = idPattern.exec(text);
  if (!match) return undefined;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

/** True for a complete entry id such as `1700000000000-0`. */
export function isStreamId(text: string): boolean {
  return parseStreamId(text) !== undefined;
}

/** Negative when a is older than b, 0 when equal, positive when newer (stream order). */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a);
  const y = parseStreamId(b);
  if (!x || !y) throw new Error(`not a stream id: ${x ? b : a}`);
  return x.ms === y.ms ? x.seq - y.seq : x.ms - y.ms;
}

/**
 * The entries in stream order, each id parsed once: a sort that compares text ids parses both at every
 * comparison, and a worker orders what it holds at every step.
 */
export function inStreamOrder<T extends { readonly id: string }>(entries: readonly T[]): T[] {
  const keyed = entries.map((entry) => {
    const id = parseStreamId(entry.id);
    if (!id) throw new Error(`not a stream id: ${entry.id}`);
    return { entry, id };
  });
  // Held entries mostly arrive in order already: the sort then only confirms it.
  keyed.sort((a, b) => (a.id.ms === b.id.ms ? a.id.seq - b.id.seq : a.id.ms - b.id.ms));
  return keyed.map((k) => k.entry);
}

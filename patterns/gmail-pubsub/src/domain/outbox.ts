/**
 * A socket's bounded outgoing queue and what to do when it is full. The queue
 * holds what could not be sent yet because the client has not acknowledged
 * enough of what it already got; its bound is what keeps one slow client from
 * growing the server's memory or delaying anyone else.
 */

/**
 * - `drop-oldest`: keep the newest messages; the client learns how many it lost.
 * - `coalesce`: a waiting message is replaced by a newer one with the same key (one
 *   mailbox, one publisher): a push is only a hint carrying a historyId, so the newest says it all.
 * - `disconnect`: cut the client off; it reconnects and catches up from history.
 */
export const backpressurePolicies = ['drop-oldest', 'coalesce', 'disconnect'] as const;
export type BackpressurePolicy = (typeof backpressurePolicies)[number];

export interface OutboxItem<T> {
  /** Messages with the same key supersede each other under `coalesce`. */
  readonly coalesceKey: string;
  readonly value: T;
}

export type OfferResult<T> =
  | { readonly kind: 'queued'; readonly items: readonly OutboxItem<T>[]; readonly dropped: number }
  | { readonly kind: 'disconnect'; readonly items: readonly OutboxItem<T>[] };

/** Adds one item to a queue of at most `capacity`, applying `policy` when it is full. */
export function offer<T>(
  items: readonly OutboxItem<T>[],
  item: OutboxItem<T>,
  policy: BackpressurePolicy,
  capacity: number,
): OfferResult<T> {
  if (policy === 'coalesce') {
    // A newer hint supersedes a waiting one with the same key, full or not; if every key is distinct, drop the oldest.
    const kept = items.filter((queued) => queued.coalesceKey !== item.coalesceKey);
    const trimmed = kept.length < capacity ? kept : kept.slice(kept.length - capacity + 1);
    return { kind: 'queued', items: [...trimmed, item], dropped: items.length - trimmed.length };
  }
  if (items.length < capacity) return { kind: 'queued', items: [...items, item], dropped: 0 };
  if (policy === 'disconnect') return { kind: 'disconnect', items };
  const dropped = items.length - capacity + 1;
  return { kind: 'queued', items: [...items.slice(dropped), item], dropped };
}

/** Takes up to `count` items from the front, in order. */
export function take<T>(
  items: readonly OutboxItem<T>[],
  count: number,
): { readonly taken: readonly OutboxItem<T>[]; readonly rest: readonly OutboxItem<T>[] } {
  return { taken: items.slice(0, count), rest: items.slice(count) };
}

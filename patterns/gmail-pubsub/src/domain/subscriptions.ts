import type { Filter } from './filter.ts';

/** One socket's interest in one topic, with the filter its messages must pass. */
export interface Subscription {
  readonly topic: string;
  readonly filter: Filter;
}

/** A socket's subscriptions by topic: at most one per topic, a new filter replaces the old one. */
export type SubscriptionSet = ReadonlyMap<string, Subscription>;

export type SubscribeOutcome =
  | { readonly ok: true; readonly subscriptions: SubscriptionSet; readonly isNewTopic: boolean }
  | { readonly ok: false; readonly code: 'SUBSCRIPTION_LIMIT'; readonly detail: string };

/**
 * Adds or replaces a subscription, refusing a new topic past `maxPerSocket`:
 * the cap bounds what one socket can make every incoming message cost.
 */
export function subscribe(
  subscriptions: SubscriptionSet,
  subscription: Subscription,
  maxPerSocket: number,
): SubscribeOutcome {
  const isNewTopic = !subscriptions.has(subscription.topic);
  if (isNewTopic && subscriptions.size >= maxPerSocket) {
    return {
      ok: false,
      code: 'SUBSCRIPTION_LIMIT',
      detail: `a socket may hold at most ${maxPerSocket} subscriptions; unsubscribe from one first`,
    };
  }
  const next = new Map(subscriptions);
  next.set(subscription.topic, subscription);
  return { ok: true, subscriptions: next, isNewTopic };
}

/** Removes a topic; removing one that is not there is not an error (unsubscribe is idempotent). */
export function unsubscribe(
  subscriptions: SubscriptionSet,
  topic: string,
): { readonly subscriptions: SubscriptionSet; readonly wasSubscribed: boolean } {
  if (!subscriptions.has(topic)) return { subscriptions, wasSubscribed: false };
  const next = new Map(subscriptions);
  next.delete(topic);
  return { subscriptions: next, wasSubscribed: true };
}

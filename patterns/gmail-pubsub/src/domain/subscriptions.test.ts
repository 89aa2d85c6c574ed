import { describe, expect, it } from 'vitest';
import { subscribe, unsubscribe } from './subscriptions.ts';
import type { SubscriptionSet } from './subscriptions.ts';

describe('subscriptions of one socket', () => {
  it('when the cap is reached, then a new topic is refused but an existing one can change its filter', () => {
    let set: SubscriptionSet = new Map();
    for (const topic of ['a', 'b', 'c']) {
      const outcome = subscribe(set, { topic, filter: {} }, 3);
      if (!outcome.ok) throw new Error(outcome.detail);
      set = outcome.subscriptions;
    }
    expect(subscribe(set, { topic: 'd', filter: {} }, 3)).toMatchObject({
      ok: false,
      code: 'SUBSCRIPTION_LIMIT',
    });
    const replaced = subscribe(set, { topic: 'b', filter: { from: 'x@y.z' } }, 3);
    expect(replaced).toMatchObject({ ok: true, isNewTopic: false });
    if (replaced.ok) expect(replaced.subscriptions.get('b')?.filter).toEqual({ from: 'x@y.z' });
  });

  it('when a topic is unsubscribed, then it frees a place and a second unsubscribe changes nothing', () => {
    const first = subscribe(new Map(), { topic: 'a', filter: {} }, 1);
    if (!first.ok) throw new Error(first.detail);
    const removed = unsubscribe(first.subscriptions, 'a');
    expect(removed.wasSubscribed).toBe(true);
    expect(unsubscribe(removed.subscriptions, 'a').wasSubscribed).toBe(false);
    expect(subscribe(removed.subscriptions, { topic: 'b', filter: {} }, 1).ok).toBe(true);
    // The original set is a value: it did not change.
    expect([...first.subscriptions.keys()]).toEqual(['a']);
  });
});

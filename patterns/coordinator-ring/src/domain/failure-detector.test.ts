import { describe, expect, it } from 'vitest';
import { beat, gossipOf, initialTable, memberState, mergeGossip } from './failure-detector.ts';

const timeout = 1000;

describe('gossip failure detector', () => {
  it('when a member keeps beating, then it stays alive however long the run', () => {
    let table = initialTable(['a', 'b'], 0);
    let seenByB = initialTable(['a', 'b'], 0);
    for (let now = 100; now <= 60_000; now += 100) {
      table = beat(table, 'a', now);
      seenByB = mergeGossip(seenByB, gossipOf(table), now + 5);
      const view = seenByB.a;
      if (view) expect(memberState(view, now + 5, timeout)).toBe('alive');
    }
  });

  it('when a member goes silent, then it is suspect after half the timeout and dead after the timeout', () => {
    const seen = mergeGossip(initialTable(['a', 'b'], 0), { a: 7 }, 1000);
    const view = seen.a;
    expect(view).toBeDefined();
    if (!view) return;
    expect(memberState(view, 1000 + 499, timeout)).toBe('alive');
    expect(memberState(view, 1000 + 500, timeout)).toBe('suspect');
    expect(memberState(view, 1000 + 1000, timeout)).toBe('dead');
  });

  it('when gossip carries an old or equal counter, then it does not refresh the member', () => {
    const seen = mergeGossip(initialTable(['a'], 0), { a: 5 }, 100);
    const again = mergeGossip(seen, { a: 5 }, 900);
    const older = mergeGossip(seen, { a: 3 }, 900);
    expect(again.a?.updatedAt).toBe(100);
    expect(older.a?.updatedAt).toBe(100);
  });

  it('when gossip names an unknown member or a bad counter, then it is ignored', () => {
    const table = initialTable(['a'], 0);
    expect(mergeGossip(table, { z: 9, a: Number.NaN }, 10)).toBe(table);
  });

  it('when a node is heard only second-hand, then gossip still keeps it alive', () => {
    // c hears a only through b.
    let a = initialTable(['a', 'b', 'c'], 0);
    let b = initialTable(['a', 'b', 'c'], 0);
    let c = initialTable(['a', 'b', 'c'], 0);
    for (let now = 100; now <= 5000; now += 100) {
      a = beat(a, 'a', now);
      b = mergeGossip(beat(b, 'b', now), gossipOf(a), now);
      c = mergeGossip(c, gossipOf(b), now);
    }
    const view = c.a;
    if (view) expect(memberState(view, 5000, timeout)).toBe('alive');
    expect(view?.heartbeat).toBe(50);
  });
});

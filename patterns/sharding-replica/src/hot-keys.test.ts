import { describe, expect, it } from 'vitest';
import { HotKeys } from './hot-keys.ts';

function routerCache(): HotKeys {
  return new HotKeys({
    topK: 10,
    minShare: 0.05,
    minCount: 1,
    cacheMs: 60_000,
    decayMs: 10_000,
    mitigation: 'router-cache',
    now: () => 0,
  });
}

describe('the router cache is filled by reads and emptied by writes', () => {
  it('a read that completes fills the cache; an absent key is cached as absent', () => {
    const hot = routerCache();
    hot.completeFill('a', hot.beginFill('a'), { value: 'v' });
    hot.completeFill('b', hot.beginFill('b'), { value: null });
    expect(hot.cached('a')).toEqual({ value: 'v' });
    expect(hot.cached('b')).toEqual({ value: null });
  });

  it('a write that starts while a read is in flight stops that read from caching the value it replaced', () => {
    const hot = routerCache();
    const ticket = hot.beginFill('k');
    hot.forget('k'); // the write starts
    hot.completeFill('k', ticket, { value: 'old' });
    expect(hot.cached('k')).toBeUndefined();
  });

  it('a read that started before a write was acknowledged cannot cache, even when it completes before the ack', () => {
    const hot = routerCache();
    hot.forget('k'); // the write starts
    const ticket = hot.beginFill('k');
    hot.completeFill('k', ticket, { value: 'old' }); // read from a replica the write has not reached
    hot.forget('k'); // the write is acknowledged
    expect(hot.cached('k')).toBeUndefined();
  });

  it('a failed read drops its ticket without caching; of two overlapping reads only the later one fills', () => {
    const hot = routerCache();
    hot.completeFill('k', hot.beginFill('k'), undefined);
    expect(hot.cached('k')).toBeUndefined();
    const first = hot.beginFill('k');
    const second = hot.beginFill('k');
    hot.completeFill('k', first, { value: 'first' });
    expect(hot.cached('k')).toBeUndefined();
    hot.completeFill('k', second, { value: 'second' });
    expect(hot.cached('k')).toEqual({ value: 'second' });
  });

  it('switching the mitigation off empties the cache, and a read in flight across the switch fills nothing', () => {
    const hot = routerCache();
    hot.completeFill('a', hot.beginFill('a'), { value: 'v' });
    const ticket = hot.beginFill('b');
    hot.setMitigation('off');
    hot.setMitigation('router-cache');
    hot.completeFill('b', ticket, { value: 'v' });
    expect(hot.cached('a')).toBeUndefined();
    expect(hot.cached('b')).toBeUndefined();
  });
});

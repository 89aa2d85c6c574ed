import { emptyClock, fromJSON } from '@kvs-lab/shared/vector-clock';
import { describe, expect, it } from 'vitest';
import { decodeContext, encodeContext } from './causal-context.ts';

describe('causal context', () => {
  it('a context decodes to the clock it was made from', () => {
    const clock = fromJSON({
      'quorum-a': { counter: 3, timestamp: 2 },
      'quorum-b': { counter: 1, timestamp: 1 },
    });
    const context = encodeContext(clock);
    expect(context).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContext(context)).toEqual({ ok: true, clock });
  });

  it('no context means a blind write: the empty clock', () => {
    expect(decodeContext(undefined)).toEqual({ ok: true, clock: emptyClock() });
  });

  it.each(['not base64!', 'bm90IGpzb24', 'eyJhIjozfQ'])(
    'when the context is %s, then it is refused with a reason',
    (context) => {
      const decoded = decodeContext(context);
      expect(decoded.ok).toBe(false);
    },
  );

  it('a context with an implausibly large counter is refused, so a forged one cannot shadow later writes', () => {
    const forged = encodeContext(fromJSON({ 'quorum-a': { counter: 2 ** 40, timestamp: 0 } }));
    expect(decodeContext(forged)).toEqual({
      ok: false,
      reason: 'the entry for quorum-a is implausibly large',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { chooseHintHolder } from './hint-holder.ts';

const ring = ['replica-1', 'replica-2', 'replica-3'];

describe('chooseHintHolder', () => {
  it('the hint goes to the next live replica after the target, wrapping around', () => {
    expect(chooseHintHolder('replica-1', ring, () => true)).toBe('replica-2');
    expect(chooseHintHolder('replica-3', ring, () => true)).toBe('replica-1');
    expect(chooseHintHolder('replica-1', ring, (node) => node !== 'replica-2')).toBe('replica-3');
  });

  it('when no other replica is live, then there is nowhere to keep a hint', () => {
    expect(chooseHintHolder('replica-1', ring, (node) => node === 'replica-1')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { compareStreamIds, inStreamOrder, isStreamId, parseStreamId } from './stream-id.ts';

describe('stream ids', () => {
  it('when two ids differ in milliseconds, then the numeric time decides, not the text', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-0', '9-5')).toBeGreaterThan(0);
  });

  it('when the milliseconds are equal, then the sequence number decides', () => {
    expect(compareStreamIds('5-2', '5-10')).toBeLessThan(0);
    expect(compareStreamIds('5-3', '5-3')).toBe(0);
  });

  it('when a text is not <ms>-<seq>, then it is not a stream id and comparing it throws', () => {
    expect(parseStreamId('1700000000000-1')).toEqual({ ms: 1700000000000, seq: 1 });
    for (const bad of ['', '12', '1-', '-1', 'a-1', '1-2-3', '$', '>']) expect(isStreamId(bad)).toBe(false);
    expect(() => compareStreamIds('x', '1-0')).toThrow('not a stream id');
  });

  it('when entries are put in stream order, then ids compare as numbers, equal ids keep their order, and the input is left as it was', () => {
    const entries = [{ id: '10-0' }, { id: '9-1' }, { id: '9-0', n: 1 }, { id: '9-0', n: 2 }];
    expect(inStreamOrder(entries)).toEqual([
      { id: '9-0', n: 1 },
      { id: '9-0', n: 2 },
      { id: '9-1' },
      { id: '10-0' },
    ]);
    expect(entries[0]).toEqual({ id: '10-0' });
    expect(() => inStreamOrder([{ id: '1-0' }, { id: 'x' }])).toThrow('not a stream id');
  });
});

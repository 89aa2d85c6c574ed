import { describe, expect, it } from 'vitest';
import { longestFirst } from './longest-first.ts';

const same = (file: string) => file;

describe('longestFirst', () => {
  it('when every file has a recorded time, then the longest starts first', () => {
    expect(longestFirst(['a', 'b', 'c'], same, { a: 3, b: 227, c: 40 })).toEqual(['b', 'c', 'a']);
  });

  it('when a file has no recorded time, then it starts before the recorded ones', () => {
    expect(longestFirst(['a', 'new', 'b'], same, { a: 3, b: 227 })).toEqual(['new', 'b', 'a']);
  });

  it('when two files took the same time, then they keep a stable order by path', () => {
    expect(longestFirst(['z', 'y'], same, { z: 5, y: 5 })).toEqual(['y', 'z']);
  });

  it('when two exclusive files are the longest, then the second waits until the first would have ended, with a margin', () => {
    const recorded = { 'lab/whole': 200, 'lab/cli': 150, u1: 100, u2: 100, u3: 100, u4: 50, u5: 40 };
    const more = { u6: 30, u7: 30, u8: 30 };
    const order = longestFirst(
      Object.keys({ ...recorded, ...more }),
      same,
      { ...recorded, ...more },
      {
        isExclusive: (path) => path.startsWith('lab/'),
      },
    );
    // whole runs 0-200 and is kept apart until 300. The other worker runs u1 and u2 (0-200); from 200 the
    // workers take u3 (200-300), u4 (200-250), u5 (250-290), u6 (290-320); cli starts at 300.
    expect(order).toEqual(['lab/whole', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'lab/cli', 'u7', 'u8']);
  });

  it('when only exclusive files are left, then they are still all ordered', () => {
    const order = longestFirst(
      ['lab/a', 'lab/b'],
      same,
      { 'lab/a': 10, 'lab/b': 5 },
      {
        isExclusive: () => true,
      },
    );
    expect(order).toEqual(['lab/a', 'lab/b']);
  });
});

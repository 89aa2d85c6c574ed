import { describe, expect, it } from 'vitest';
import { clockText, siblingBranches } from './sibling-branches.js';

const version = (value: string, clock: Record<string, number>, writtenAt: number) => ({
  value,
  isTombstone: false,
  clock: Object.fromEntries(
    Object.entries(clock).map(([actor, counter]) => [actor, { counter, timestamp: 0 }]),
  ),
  writtenAt,
  writer: Object.keys(clock)[0] ?? '',
});
const v1 = version('v1', { 'quorum-a': 1 }, 1);
const apples = version('apples', { 'quorum-a': 2 }, 2);
const pears = version('pears', { 'quorum-a': 1, 'quorum-b': 1 }, 3);

describe('the siblings picture', () => {
  it('when two writes did not see each other, then both are sibling branches from the past they share', () => {
    const picture = siblingBranches([
      { node: 'replica-1', isUp: true, versions: [apples, pears] },
      { node: 'replica-2', isUp: true, versions: [apples, pears] },
      { node: 'replica-3', isUp: true, versions: [v1] },
    ]);
    expect(picture.branches.map((b) => [b.value, b.state, b.holders])).toEqual([
      ['apples', 'sibling', ['replica-1', 'replica-2']],
      ['pears', 'sibling', ['replica-1', 'replica-2']],
    ]);
    expect(clockText(picture.base)).toBe('{quorum-a:1}');
    // replica-3 is behind: its v1 sits on both branches' past.
    expect(picture.branches.map((b) => b.older.map((o) => o.holders))).toEqual([
      [['replica-3']],
      [['replica-3']],
    ]);
  });

  it('when one version has seen the other, then there is one branch and the older version sits on it', () => {
    const picture = siblingBranches([
      { node: 'replica-1', isUp: true, versions: [apples] },
      { node: 'replica-2', isUp: false, versions: [] },
      { node: 'replica-3', isUp: true, versions: [v1] },
    ]);
    expect(picture.branches.map((b) => [b.value, b.state, b.older.length])).toEqual([['apples', 'only', 1]]);
    expect(picture.downReplicas).toEqual(['replica-2']);
  });

  it('under last-write-wins, then the newest concurrent version survives and the other is drawn lost', () => {
    const picture = siblingBranches(
      [
        { node: 'replica-1', isUp: true, versions: [apples] },
        { node: 'replica-2', isUp: true, versions: [pears] },
      ],
      'lww',
    );
    expect(picture.branches.map((b) => [b.value, b.state])).toEqual([
      ['apples', 'lost'],
      ['pears', 'only'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { tallyExtend, tallyRelease } from './lease-replies.ts';
import type { LeaseReply } from './lease-replies.ts';

const replies = (...kinds: LeaseReply['kind'][]): LeaseReply[] =>
  kinds.map((kind, i) => ({ node: `n${i + 1}`, kind }));

describe('tallyRelease', () => {
  it('when any node still had our lease, then it is released there', () => {
    expect(tallyRelease(replies('applied', 'not-ours', 'not-ours', 'unreachable', 'unreachable'), 5)).toEqual(
      {
        kind: 'released',
        nodes: ['n1'],
        lease: null,
      },
    );
  });

  it('names the lease as the nodes recorded it, for a release through an instance that did not grant it', () => {
    const answer: LeaseReply[] = [
      { node: 'n1', kind: 'applied', lease: { fencingToken: 4, owner: 'alice' } },
      { node: 'n2', kind: 'not-ours' },
      { node: 'n3', kind: 'not-ours' },
    ];
    expect(tallyRelease(answer, 3)).toMatchObject({
      kind: 'released',
      lease: { fencingToken: 4, owner: 'alice' },
    });
  });

  it('when a majority answered and none had the token, then the caller is not the holder', () => {
    expect(
      tallyRelease(replies('not-ours', 'not-ours', 'not-ours', 'unreachable', 'unreachable'), 5).kind,
    ).toBe('not-holder');
  });

  it('when fewer than a majority answered and none had it, then nothing definite can be said', () => {
    expect(
      tallyRelease(replies('not-ours', 'not-ours', 'unreachable', 'unreachable', 'unreachable'), 5).kind,
    ).toBe('quorum-unavailable');
  });
});

describe('tallyExtend', () => {
  it('when a majority still had our lease, then it is extended', () => {
    expect(tallyExtend(replies('applied', 'applied', 'applied', 'not-ours', 'unreachable'), 5).kind).toBe(
      'extended',
    );
  });

  it('when only a minority had it, then the lease is lost', () => {
    expect(tallyExtend(replies('applied', 'applied', 'not-ours', 'not-ours', 'not-ours'), 5)).toEqual({
      kind: 'lost',
      extendedOn: 2,
      needed: 3,
    });
  });
});

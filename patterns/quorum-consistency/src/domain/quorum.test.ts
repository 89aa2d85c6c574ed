import { describe, expect, it } from 'vitest';
import { checkQuorumSizes, majority, quorumsOverlap, tallyWrite } from './quorum.ts';
import type { ReplicaWriteResult } from './quorum.ts';

describe('quorum sizes', () => {
  it('when W + R > N, then every read quorum intersects every write quorum (checked exhaustively for N <= 6)', () => {
    for (let n = 1; n <= 6; n++) {
      const subsets = Array.from({ length: 2 ** n }, (_, mask) => mask);
      const size = (mask: number) => mask.toString(2).split('1').length - 1;
      for (let w = 1; w <= n; w++) {
        for (let r = 1; r <= n; r++) {
          const alwaysIntersect = subsets
            .filter((a) => size(a) === w)
            .every((a) => subsets.filter((b) => size(b) === r).every((b) => (a & b) !== 0));
          expect(quorumsOverlap({ n, w, r })).toBe(alwaysIntersect);
        }
      }
    }
  });

  it('a majority of N overlaps with itself', () => {
    for (let n = 1; n <= 9; n++) expect(quorumsOverlap({ n, w: majority(n), r: majority(n) })).toBe(true);
  });

  it.each([
    [{ n: 3, w: 4, r: 2 }, /w must be an integer from 1 to N=3, got 4/],
    [{ n: 3, w: 2, r: 0 }, /r must be/],
    [{ n: 3, w: 1.5, r: 2 }, /w must be/],
  ])('when %j, then the sizes are refused', (sizes, reason) => {
    const check = checkQuorumSizes(sizes);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('W = N and R = 1 are allowed', () => {
    expect(checkQuorumSizes({ n: 5, w: 5, r: 1 })).toEqual({ ok: true });
  });
});

describe('tallyWrite', () => {
  const ack = (node: string): ReplicaWriteResult => ({ node, status: 'ack' });
  const down = (node: string, hintedOn?: string): ReplicaWriteResult =>
    hintedOn ? { node, status: 'unreachable', hintedOn } : { node, status: 'unreachable' };

  it('when W replicas acknowledge, then the write succeeds', () => {
    expect(tallyWrite([ack('r1'), ack('r2'), down('r3')], 2, false)).toMatchObject({ ok: true, acks: 2 });
  });

  it('a replica still pending when the write answered at W counts for nothing, even under a sloppy quorum', () => {
    const results = [ack('r1'), ack('r2'), { node: 'r3', status: 'pending' as const }];
    expect(tallyWrite(results, 2, true)).toMatchObject({ ok: true, acks: 2, hintedAcks: 0 });
    expect(tallyWrite(results, 3, true)).toMatchObject({ ok: false, acks: 2 });
  });

  it('when fewer than W acknowledge, then it fails and, since one replica holds it, the outcome is indeterminate', () => {
    expect(tallyWrite([ack('r1'), down('r2'), down('r3')], 2, false)).toMatchObject({
      ok: false,
      acks: 1,
      needed: 2,
      outcome: 'indeterminate',
    });
  });

  it('when no replica was reached, then nothing was applied', () => {
    expect(tallyWrite([down('r1'), down('r2')], 1, false).outcome).toBe('not_applied');
  });

  it('when a replica timed out, then the outcome is indeterminate even with no acknowledgement', () => {
    expect(tallyWrite([{ node: 'r1', status: 'timeout' }, down('r2')], 1, false).outcome).toBe(
      'indeterminate',
    );
  });

  it('hints count toward W only under a sloppy quorum, and only beside a real acknowledgement', () => {
    const results = [ack('r1'), down('r2', 'r1'), down('r3', 'r1')];
    expect(tallyWrite(results, 2, false)).toMatchObject({ ok: false, acks: 1 });
    expect(tallyWrite(results, 2, true)).toMatchObject({ ok: true, acks: 3, hintedAcks: 2 });
    expect(tallyWrite([down('r1', 'r2')], 1, true)).toMatchObject({ ok: false, acks: 0 });
  });
});

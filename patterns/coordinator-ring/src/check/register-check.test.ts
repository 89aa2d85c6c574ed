import { describe, expect, it } from 'vitest';
import { checkRegister } from './register-check.ts';
import type { TimedOp } from './register-check.ts';

const w = (id: number, value: string | null, call: number, ret: number | undefined): TimedOp => ({
  id,
  op: { f: 'write', value },
  call,
  ret,
});
const r = (id: number, value: string | null, call: number, ret: number): TimedOp => ({
  id,
  op: { f: 'read', value },
  call,
  ret,
});

describe('checkRegister', () => {
  it('when operations are sequential and each read sees the last write, then the history is linearizable', () => {
    const ops = [w(1, 'a', 0, 1), r(2, 'a', 2, 3), w(3, 'b', 4, 5), r(4, 'b', 6, 7)];
    expect(checkRegister(ops, { initial: { value: null } }).result).toBe('linearizable');
  });

  it('when a read returns an older value after a newer write finished, then it is not linearizable and the read is blamed', () => {
    const ops = [w(1, 'a', 0, 1), w(2, 'b', 2, 3), r(3, 'a', 4, 5)];
    const verdict = checkRegister(ops, { initial: { value: null } });
    expect(verdict.result).toBe('not-linearizable');
    if (verdict.result === 'not-linearizable') expect(verdict.stuckAt.id).toBe(3);
  });

  it('when a read overlaps a write, then it may see either the old or the new value', () => {
    for (const seen of ['a', 'b']) {
      const ops = [w(1, 'a', 0, 1), w(2, 'b', 2, 6), r(3, seen, 3, 4)];
      expect(checkRegister(ops, { initial: { value: null } }).result).toBe('linearizable');
    }
  });

  it('when two reads in sequence see new then old during one long write, then it is not linearizable', () => {
    const ops = [w(1, 'a', 0, 1), w(2, 'b', 2, 10), r(3, 'b', 3, 4), r(4, 'a', 5, 6)];
    expect(checkRegister(ops, { initial: { value: null } }).result).toBe('not-linearizable');
  });

  it('when a write has an unknown outcome, then reads may see it or not, even long after', () => {
    const seen = [w(1, 'a', 0, 1), w(2, 'b', 2, undefined), r(3, 'b', 10, 11)];
    const unseen = [w(1, 'a', 0, 1), w(2, 'b', 2, undefined), r(3, 'a', 10, 11)];
    expect(checkRegister(seen, { initial: { value: null } }).result).toBe('linearizable');
    expect(checkRegister(unseen, { initial: { value: null } }).result).toBe('linearizable');
  });

  it('when the initial value is unknown, then the first read defines it but later reads must agree', () => {
    expect(checkRegister([r(1, 'x', 0, 1), r(2, 'x', 2, 3)], { initial: 'unknown' }).result).toBe(
      'linearizable',
    );
    expect(checkRegister([r(1, 'x', 0, 1), r(2, 'y', 2, 3)], { initial: 'unknown' }).result).toBe(
      'not-linearizable',
    );
  });

  it('when other nodes write the register unseen, then a read of a value the record never wrote is explained, but the record’s own values still bind', () => {
    const partial = { initial: 'unknown', othersWrite: true } as const;
    // This node wrote a, then served a read of b: b came through another node.
    const elsewhere = [w(1, 'a', 0, 1), r(2, 'b', 2, 3), r(3, 'b', 4, 5)];
    expect(checkRegister(elsewhere, { initial: 'unknown' }).result).toBe('not-linearizable');
    expect(checkRegister(elsewhere, partial).result).toBe('linearizable');
    // Its own write of c finished before the read began: no unseen writer brings a back (one writer per value).
    const stale = [w(1, 'a', 0, 1), w(2, 'c', 2, 3), r(3, 'a', 4, 5)];
    const verdict = checkRegister(stale, partial);
    expect(verdict.result).toBe('not-linearizable');
    if (verdict.result === 'not-linearizable') expect(verdict.stuckAt.id).toBe(3);
    // From a known start, a read of a recorded value before its write was called is refused as well.
    const early = [r(1, 'a', 0, 1), w(2, 'a', 2, 3)];
    expect(checkRegister(early, { initial: { value: null }, othersWrite: true }).result).toBe(
      'not-linearizable',
    );
  });

  it('when a compare-and-set failed, then the register did not hold its expected value at that point', () => {
    const cas = (applied: boolean): TimedOp => ({
      id: 2,
      op: { f: 'cas', from: 'a', to: 'b', applied },
      call: 2,
      ret: 3,
    });
    expect(checkRegister([w(1, 'a', 0, 1), cas(false)], { initial: { value: null } }).result).toBe(
      'not-linearizable',
    );
    expect(
      checkRegister([w(1, 'a', 0, 1), cas(true), r(3, 'b', 4, 5)], { initial: { value: null } }).result,
    ).toBe('linearizable');
  });

  it('when the step budget is too small, then the verdict is unknown rather than a guess', () => {
    const ops = Array.from({ length: 12 }, (_, i) => w(i, String(i), 0, 100));
    const verdict = checkRegister([...ops, r(99, 'nope', 101, 102)], {
      initial: { value: null },
      maxSteps: 50,
    });
    expect(verdict.result).toBe('unknown');
  });
});

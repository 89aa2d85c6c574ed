import { describe, expect, it } from 'vitest';
import { checkRingHistory, twoLeadersInOneTerm } from './ring-check.ts';
import type { RingOperation } from './ring-check.ts';

const facts = (commitIndex: number, terms: number[]) => ({
  leaderSightings: [{ term: 1, leaderId: 'ring-1' }],
  commitIndex,
  entryTermAt: (i: number) => terms[i - 1],
});

const write = (
  id: number,
  key: string,
  value: string,
  t: [number, number],
  at: [number, number],
): RingOperation => ({
  id,
  process: `client-${id}`,
  kind: 'write',
  input: { key, value },
  invokedAt: t[0],
  completedAt: t[1],
  outcome: 'ok',
  output: { index: at[0], term: at[1] },
});
const read = (id: number, key: string, value: string | null, t: [number, number]): RingOperation => ({
  id,
  process: `client-${id}`,
  kind: 'read',
  input: { key },
  invokedAt: t[0],
  completedAt: t[1],
  outcome: 'ok',
  output: { value },
});

describe('checkRingHistory', () => {
  it('when writes are durable and reads fresh, then the verdict is valid', () => {
    const ops = [write(1, 'k', 'a', [0, 1], [1, 1]), read(2, 'k', 'a', [2, 3])];
    const verdict = checkRingHistory(ops, facts(1, [1]));
    expect(verdict.valid).toBe(true);
    expect(verdict.details.keysChecked).toBe(1);
  });

  it('when an acknowledged write is not in the committed log at its index and term, then it is reported lost', () => {
    const ops = [write(1, 'k', 'a', [0, 1], [1, 1])];
    const verdict = checkRingHistory(ops, facts(1, [2]));
    expect(verdict.valid).toBe(false);
    expect(verdict.firstViolation).toMatchObject({ rule: 'acknowledged-writes-durable' });
  });

  it('when a read misses a write that finished before it began, then the key is not linearizable', () => {
    const ops = [
      write(1, 'k', 'a', [0, 1], [1, 1]),
      write(2, 'k', 'b', [2, 3], [2, 1]),
      read(3, 'k', 'a', [4, 5]),
    ];
    const verdict = checkRingHistory(ops, facts(2, [1, 1]));
    expect(verdict.valid).toBe(false);
    expect(verdict.firstViolation).toMatchObject({ rule: 'linearizable-register', key: 'k' });
  });

  it('when this node served a read of a value written through another node, then that is no violation; on every node’s record at once it is checked as a whole', () => {
    // Seen on ring-1: its own write of a, then a read (forwarded to the leader) of b, which a client wrote through ring-2.
    const mine = [write(1, 'k', 'a', [0, 1], [1, 1]), read(2, 'k', 'b', [4, 5])];
    expect(checkRingHistory(mine, facts(1, [1])).valid).toBe(true);
    const everyNode = [...mine, write(3, 'k', 'b', [2, 3], [2, 1])];
    expect(checkRingHistory(everyNode, facts(2, [1, 1]), { isPartial: false }).valid).toBe(true);
    expect(checkRingHistory(mine, facts(1, [1]), { isPartial: false }).valid).toBe(false);
  });

  it('when a stale read returns old data, then it is skipped: stale reads promise nothing', () => {
    const stale: RingOperation = { ...read(3, 'k', 'a', [4, 5]), kind: 'stale-read' };
    const ops = [write(1, 'k', 'a', [0, 1], [1, 1]), write(2, 'k', 'b', [2, 3], [2, 1]), stale];
    const verdict = checkRingHistory(ops, facts(2, [1, 1]));
    expect(verdict.valid).toBe(true);
    expect(verdict.details.staleReadsSkipped).toBe(1);
  });

  it('when two leaders were seen in one term, then the verdict names the term and both', () => {
    expect(
      twoLeadersInOneTerm([
        { term: 1, leaderId: 'a' },
        { term: 2, leaderId: 'b' },
        { term: 2, leaderId: 'c' },
      ]),
    ).toEqual({ term: 2, leaders: ['b', 'c'] });
    expect(
      twoLeadersInOneTerm([
        { term: 1, leaderId: 'a' },
        { term: 1, leaderId: 'a' },
      ]),
    ).toBeUndefined();
  });
});

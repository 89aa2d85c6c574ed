import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { describe, expect, it } from 'vitest';
import { checkDurability, checkKvHistory } from './history-check.ts';
import type { KvOperation } from './history-check.ts';

const settings = { n: 3, w: 2, r: 2, policy: 'vector-clock' };
let nextId = 1;
const write = (at: [number, number], clock: VectorClock, isDelete = false, key = 'k'): KvOperation => ({
  id: nextId++,
  process: 'client',
  kind: 'write',
  input: { key, isDelete, ...settings },
  invokedAt: at[0],
  completedAt: at[1],
  outcome: 'ok',
  output: { clocks: [clock] },
});
const read = (at: [number, number], clocks: VectorClock[], overrides = {}): KvOperation => ({
  id: nextId++,
  process: 'client',
  kind: 'read',
  input: { key: 'k', ...settings, ...overrides },
  invokedAt: at[0],
  completedAt: at[1],
  outcome: 'ok',
  output: { clocks },
});

const a1 = increment(emptyClock(), 'quorum-a');
const a2 = increment(a1, 'quorum-a');
const b1 = increment(emptyClock(), 'quorum-b');

describe('checkKvHistory', () => {
  it('when each read returns the latest acknowledged write or a descendant, then the history is valid', () => {
    const verdict = checkKvHistory([
      write([0, 1], a1),
      read([2, 3], [a1]),
      write([4, 5], a2),
      read([6, 7], [a2]),
    ]);
    expect(verdict.valid).toBe(true);
  });

  it('when a read returns siblings that include the write, then it is reflected', () => {
    expect(checkKvHistory([write([0, 1], a1), write([0, 1], b1), read([2, 3], [a1, b1])]).valid).toBe(true);
  });

  it('when a read after an acknowledged write returns an older version, then it is named as a stale read', () => {
    const verdict = checkKvHistory([
      write([0, 1], a1),
      write([2, 3], a2),
      read([4, 5], [a1], { w: 1, r: 1 }),
    ]);
    expect(verdict.valid).toBe(false);
    expect(verdict.summary).toMatch(/stale read/);
  });

  it('a read concurrent with a write may miss it', () => {
    expect(checkKvHistory([write([0, 1], a1), write([2, 10], a2), read([5, 6], [a1])]).valid).toBe(true);
  });

  it('when a concurrent write erased another under last-write-wins, then the loss is reported', () => {
    const verdict = checkKvHistory([
      write([0, 1], a1),
      write([0, 1], b1),
      read([2, 3], [b1], { policy: 'lww' }),
    ]);
    expect(verdict.valid).toBe(false);
    expect(verdict.summary).toMatch(/lost write/);
  });

  it('an acknowledged delete is reflected by its tombstone or by the key being gone', () => {
    const tomb = increment(a1, 'quorum-a');
    expect(checkKvHistory([write([0, 1], a1), write([2, 3], tomb, true), read([4, 5], [])]).valid).toBe(true);
    expect(checkKvHistory([write([0, 1], a1), read([4, 5], [])]).valid).toBe(false);
  });

  it('failed and indeterminate operations impose nothing', () => {
    const failed: KvOperation = { ...write([0, 1], a2), outcome: 'indeterminate' };
    expect(checkKvHistory([write([0, 1], a1), failed, read([2, 3], [a1])]).valid).toBe(true);
  });
});

describe('checkDurability', () => {
  it('a write still held, or superseded by a later acknowledged write, is not lost', () => {
    const ops = [write([0, 1], a1), write([2, 3], a2), write([2, 3], b1, false, 'other')];
    const held = new Map([
      ['k', [a2]],
      ['other', [b1]],
    ]);
    expect(checkDurability(ops, held).valid).toBe(true);
  });

  it('when no replica holds an acknowledged write and nothing supersedes it, then it is reported lost', () => {
    const ops = [write([0, 1], a1), write([0, 1], b1)];
    const verdict = checkDurability(ops, new Map([['k', [b1]]]));
    expect(verdict.valid).toBe(false);
    expect(verdict.summary).toMatch(/lost write/);
  });

  it('a key whose replicas did not all answer is skipped, not judged', () => {
    const verdict = checkDurability([write([0, 1], a1)], new Map([['k', undefined]]));
    expect(verdict).toMatchObject({ valid: true });
    expect(verdict.summary).toMatch(/1 skipped/);
  });

  it('a delete whose tombstone was collected is not lost: the key is gone everywhere', () => {
    const tomb = increment(a1, 'quorum-a');
    const ops = [write([0, 1], a1), write([2, 3], tomb, true)];
    expect(checkDurability(ops, new Map([['k', []]])).valid).toBe(true);
    expect(checkDurability([write([0, 1], a1)], new Map([['k', []]])).valid).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { AppError } from '../service/index.ts';
import { History } from './history.ts';
import { recorded } from './record.ts';

describe('History', () => {
  it('records invocation and completion with the injected clock, in invocation order', () => {
    let t = 100;
    const history = new History<string, number>({ now: () => t });
    const a = history.invoke('p1', 'write', 'x');
    t = 105;
    const b = history.invoke('p2', 'read', 'x');
    t = 110;
    b.ok(7);
    a.indeterminate('timeout');
    a.ok(1); // a completion is recorded once
    expect(history.entries()).toEqual([
      {
        id: 1,
        process: 'p1',
        kind: 'write',
        input: 'x',
        invokedAt: 100,
        completedAt: 110,
        outcome: 'indeterminate',
        reason: 'timeout',
      },
      {
        id: 2,
        process: 'p2',
        kind: 'read',
        input: 'x',
        invokedAt: 105,
        completedAt: 110,
        outcome: 'ok',
        output: 7,
      },
    ]);
  });

  it('when full, then it evicts the oldest completed operations, keeps pending ones, and counts what it dropped', () => {
    const history = new History<number, number>({ capacity: 3, now: () => 0 });
    const pending = history.invoke('p', 'op', 0);
    for (let i = 1; i <= 5; i += 1) history.invoke('p', 'op', i).ok(i);
    expect(history.entries().map((op) => op.input)).toEqual([0, 4, 5]);
    expect(history.evicted).toBe(3);
    pending.ok(42);
    expect(history.entries()[0]).toMatchObject({ input: 0, outcome: 'ok', output: 42 });
  });

  it('over many evictions, then it keeps the newest completed ones in invocation order and every pending one', () => {
    const history = new History<number, number>({ capacity: 1500, now: () => 0 });
    const stillPending = [];
    for (let i = 0; i < 10_000; i += 1) {
      const operation = history.invoke('p', 'op', i);
      if (i === 100 || i === 5000) stillPending.push(operation);
      else operation.ok(i);
    }
    const inputs = history.entries().map((op) => op.input);
    expect(inputs).toHaveLength(1500);
    expect(inputs.slice(0, 2)).toEqual([100, 5000]);
    expect(inputs.slice(2)).toEqual(Array.from({ length: 1498 }, (_, k) => 8502 + k));
    expect(history.evicted).toBe(10_000 - 1500);
    for (const operation of stillPending) operation.ok(-1);
    history.invoke('p', 'op', 10_000).ok(10_000);
    // Once completed, the two held operations are the oldest, so they go first.
    expect(history.entries().map((op) => op.input)).toEqual([
      ...Array.from({ length: 1498 }, (_, k) => 8502 + k),
      10_000,
    ]);
    expect(history.evicted).toBe(10_000 - 1500 + 2);
  });

  it('recorded(): ok on success, fail when nothing was applied, indeterminate otherwise; errors still propagate', async () => {
    const history = new History<string, string>({ now: () => 0 });
    await recorded(history, 'p', 'w', 'a', () => Promise.resolve('done'));
    await expect(
      recorded(history, 'p', 'w', 'b', () => Promise.reject(new AppError('REDIS_UNAVAILABLE'))),
    ).rejects.toThrow();
    await expect(
      recorded(history, 'p', 'w', 'c', () => Promise.reject(new AppError('REDIS_TIMEOUT'))),
    ).rejects.toThrow();
    await expect(recorded(history, 'p', 'w', 'd', () => Promise.reject(new Error('bug')))).rejects.toThrow(
      'bug',
    );
    expect(history.entries().map((op) => op.outcome)).toEqual([
      'ok',
      'fail',
      'indeterminate',
      'indeterminate',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkCounterHistory } from './counter-check.ts';
import type { CounterOperation } from './counter-check.ts';

const inc = (id: number, value: number, invokedAt: number, completedAt: number): CounterOperation => ({
  id,
  kind: 'increment',
  input: { name: 'c', by: 1 },
  invokedAt,
  completedAt,
  outcome: 'ok',
  output: { value },
});
const read = (id: number, value: number, invokedAt: number, completedAt: number): CounterOperation => ({
  id,
  kind: 'read',
  input: { name: 'c' },
  invokedAt,
  completedAt,
  outcome: 'ok',
  output: { value },
});

describe('grow-only counter checker', () => {
  it('accepts increments with distinct results and reads that see finished increments', () => {
    const verdict = checkCounterHistory([inc(1, 1, 0, 1), inc(2, 2, 2, 3), read(3, 2, 4, 5)]);
    expect(verdict.valid).toBe(true);
  });

  it('when two increments return the same value, then it reports a lost increment naming both', () => {
    const verdict = checkCounterHistory([inc(1, 1, 0, 1), inc(2, 1, 2, 3)]);
    expect(verdict).toMatchObject({
      valid: false,
      firstViolation: { rule: 'unique-increment-results', operations: [1, 2] },
    });
  });

  it('when a read starting after an increment finished returns less, then it reports a stale read', () => {
    const verdict = checkCounterHistory([inc(1, 5, 0, 1), read(2, 4, 2, 3)]);
    expect(verdict).toMatchObject({
      valid: false,
      firstViolation: { rule: 'reads-see-finished-increments' },
    });
  });

  it('a read concurrent with an increment may return the old value', () => {
    expect(checkCounterHistory([inc(1, 5, 0, 10), read(2, 4, 5, 6)]).valid).toBe(true);
  });

  it('ignores failed and indeterminate operations (they may or may not have happened)', () => {
    const lost: CounterOperation = { ...inc(2, 1, 2, 3), outcome: 'indeterminate' };
    expect(checkCounterHistory([inc(1, 1, 0, 1), lost]).valid).toBe(true);
  });
});

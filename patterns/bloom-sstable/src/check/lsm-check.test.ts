import { describe, expect, it } from 'vitest';
import type { LsmOperation } from './lsm-check.ts';
import { checkLsmHistory } from './lsm-check.ts';

let id = 0;
const op = (
  kind: string,
  key: string,
  at: [number, number],
  extra: Partial<LsmOperation> = {},
): LsmOperation => ({
  id: ++id,
  process: 'test',
  kind,
  input: { key },
  invokedAt: at[0],
  completedAt: at[1],
  outcome: 'ok',
  ...extra,
});

describe('history checker', () => {
  it('when reads see the newest acknowledged write, then the history is valid', () => {
    const history = [
      op('put', 'k', [0, 1], { input: { key: 'k', value: 'a' }, output: { seq: 1 } }),
      op('get', 'k', [2, 3], { output: { found: true, seq: 1, value: 'a' } }),
      op('delete', 'k', [4, 5], { output: { seq: 2 } }),
      op('get', 'k', [6, 7], { output: { found: false } }),
    ];
    expect(checkLsmHistory(history).valid).toBe(true);
  });

  it('when a read returns a value older than a delete acknowledged before it, then it is a resurrected delete', () => {
    const history = [
      op('put', 'k', [0, 1], { input: { key: 'k', value: 'a' }, output: { seq: 1 } }),
      op('delete', 'k', [2, 3], { output: { seq: 2 } }),
      op('get', 'k', [4, 5], { output: { found: true, seq: 1, value: 'a' } }),
    ];
    expect(checkLsmHistory(history)).toMatchObject({
      valid: false,
      firstViolation: { rule: 'no-resurrection' },
    });
  });

  it('when a read finds nothing after an acknowledged put, then it is a lost write', () => {
    const history = [
      op('put', 'k', [0, 1], { input: { key: 'k', value: 'a' }, output: { seq: 1 } }),
      op('get', 'k', [4, 5], { output: { found: false } }),
    ];
    expect(checkLsmHistory(history)).toMatchObject({
      valid: false,
      firstViolation: { rule: 'no-lost-write' },
    });
  });

  it('when a snapshot read returns a seq above its asOf or a wrong value, then it is flagged', () => {
    const put1 = op('put', 'k', [0, 1], { input: { key: 'k', value: 'a' }, output: { seq: 1 } });
    const put2 = op('put', 'k', [2, 3], { input: { key: 'k', value: 'b' }, output: { seq: 2 } });
    const readOk = op('get', 'k', [4, 5], {
      input: { key: 'k', asOf: 1 },
      output: { found: true, seq: 1, value: 'a' },
    });
    expect(checkLsmHistory([put1, put2, readOk]).valid).toBe(true);
    const tooNew = op('get', 'k', [4, 5], {
      input: { key: 'k', asOf: 1 },
      output: { found: true, seq: 2, value: 'b' },
    });
    expect(checkLsmHistory([put1, put2, tooNew])).toMatchObject({
      valid: false,
      firstViolation: { rule: 'snapshot-bound' },
    });
    const wrongValue = op('get', 'k', [4, 5], { output: { found: true, seq: 2, value: 'a' } });
    expect(checkLsmHistory([put1, put2, wrongValue])).toMatchObject({
      valid: false,
      firstViolation: { rule: 'value-matches-seq' },
    });
  });

  it('when a read is concurrent with a write, then either answer is allowed', () => {
    const history = [
      op('put', 'k', [0, 10], { input: { key: 'k', value: 'a' }, output: { seq: 1 } }),
      op('get', 'k', [2, 3], { output: { found: false } }),
    ];
    expect(checkLsmHistory(history).valid).toBe(true);
  });
});

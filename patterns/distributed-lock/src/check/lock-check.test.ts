import { describe, expect, it } from 'vitest';
import { checkLockHistory, resourcesInHistory } from './lock-check.ts';
import type { Operation } from '@kvs-lab/shared/history';

let id = 0;
const op = (fields: Omit<Operation, 'id' | 'process'>): Operation => ({
  id: ++id,
  process: 'test',
  ...fields,
});
const acquire = (resource: string, token: number, at: number, expiresAtMs: number) =>
  op({
    kind: 'acquire',
    input: { resource, owner: 'w' },
    invokedAt: at - 5,
    completedAt: at,
    outcome: 'ok',
    output: { fencingToken: token, expiresAtMs },
  });
const release = (resource: string, token: number, at: number) =>
  op({
    kind: 'release',
    input: { resource, fencingToken: token },
    invokedAt: at,
    completedAt: at + 2,
    outcome: 'ok',
    output: {},
  });

describe('checkLockHistory', () => {
  it('when each lease was released before the next was granted, then the history is valid', () => {
    const verdict = checkLockHistory(
      [acquire('r', 1, 100, 1100), release('r', 1, 200), acquire('r', 2, 210, 1210)],
      [],
    );
    expect(verdict.valid).toBe(true);
  });

  it('a release sent through another instance and heard later ends the lease when it was sent there', () => {
    const heard = op({
      kind: 'release',
      input: { resource: 'r', fencingToken: 1, releasedAtMs: 200, via: 'lock-b' },
      invokedAt: 260,
      completedAt: 260,
      outcome: 'ok',
      output: {},
    });
    const verdict = checkLockHistory([acquire('r', 1, 100, 30_100), acquire('r', 2, 210, 1210), heard], []);
    expect(verdict).toMatchObject({ valid: true });
  });

  it('when a second lease was granted before the first expired, then it names both leases', () => {
    const verdict = checkLockHistory([acquire('r', 1, 100, 1100), acquire('r', 2, 600, 1600)], []);
    expect(verdict.valid).toBe(false);
    expect(verdict.summary).toMatch(/Two holders of "r"/);
  });

  it('when an extension pushed the expiry past the next grant, then it is an overlap', () => {
    const extend = op({
      kind: 'extend',
      input: { resource: 'r', fencingToken: 1 },
      invokedAt: 900,
      completedAt: 905,
      outcome: 'ok',
      output: { expiresAtMs: 2000 },
    });
    const verdict = checkLockHistory([acquire('r', 1, 100, 1100), extend, acquire('r', 2, 1500, 2500)], []);
    expect(verdict.valid).toBe(false);
  });

  it('when the resource accepted a lower token after a higher one, then fencing was bypassed', () => {
    const verdict = checkLockHistory(
      [],
      [
        {
          name: 'r',
          accepted: [
            { writeId: 'a', fencingToken: 5 },
            { writeId: 'b', fencingToken: 4 },
          ],
          trimmed: 0,
        },
      ],
    );
    expect(verdict.valid).toBe(false);
    expect(verdict.summary).toMatch(/accepted token 4 after token 5/);
  });

  it('when an acknowledged write is missing from the log, then it is reported', () => {
    const write = op({
      kind: 'write',
      input: { resource: 'r', fencingToken: 5, writeId: 'w1' },
      invokedAt: 1,
      completedAt: 2,
      outcome: 'ok',
      output: { accepted: true, writeId: 'w1' },
    });
    const verdict = checkLockHistory(
      [write],
      [{ name: 'r', accepted: [{ writeId: 'other', fencingToken: 6 }], trimmed: 0 }],
    );
    expect(verdict.valid).toBe(false);
    expect(verdict.summary).toMatch(/w1/);
  });

  it('a stale write accepted before this history began (an earlier experiment) is not judged again', () => {
    const logs = [
      {
        name: 'r',
        accepted: [
          { writeId: 'old-new', fencingToken: 5, atMs: 100 },
          { writeId: 'old-stale', fencingToken: 4, atMs: 110 },
          { writeId: 'now', fencingToken: 9, atMs: 1_010 },
        ],
        trimmed: 0,
      },
    ];
    expect(checkLockHistory([acquire('r', 9, 1_000, 2_000)], logs)).toMatchObject({ valid: true });
    // The same log judged by a history that was running then: the stale write counts.
    expect(checkLockHistory([acquire('r', 3, 50, 60)], logs)).toMatchObject({ valid: false });
  });

  it('judges the resources the history acquired or wrote, most recent last', () => {
    expect(
      resourcesInHistory([
        acquire('a', 1, 10, 20),
        op({ kind: 'write', input: { resource: 'b' }, invokedAt: 30 }),
        op({ kind: 'release', input: { resource: 'c' }, invokedAt: 40 }),
        acquire('a', 2, 50, 60),
      ]),
    ).toEqual(['b', 'a']);
  });
});

import { describe, expect, it } from 'vitest';
import { followerCommitIndex, leaderCommitIndex, planAppend } from './replicated-log.ts';
import type { LogEntry } from './replicated-log.ts';

const entries = (...terms: number[]): LogEntry[] =>
  terms.map((term, i) => ({ index: i + 1, term, command: { type: 'noop' } }));

describe('log replication', () => {
  it('when the follower lacks the previous entry, then it refuses and asks from its end', () => {
    const plan = planAppend(entries(1, 1), 4, 1, []);
    expect(plan).toMatchObject({ ok: false, retryFrom: 3 });
  });

  it('when the previous entry has another term, then it refuses and skips back over that whole term', () => {
    const plan = planAppend(entries(1, 2, 2, 2), 4, 3, []);
    expect(plan).toMatchObject({ ok: false, retryFrom: 2 });
  });

  it('when new entries conflict with the suffix, then the suffix is truncated from the first conflict', () => {
    const incoming: LogEntry[] = [
      { index: 2, term: 1, command: { type: 'noop' } },
      { index: 3, term: 3, command: { type: 'noop' } },
    ];
    const plan = planAppend(entries(1, 1, 2, 2), 1, 1, incoming);
    expect(plan).toMatchObject({ ok: true, truncateFrom: 3, lastNewIndex: 3 });
    if (plan.ok) expect(plan.append.map((e) => e.index)).toEqual([3]);
  });

  it('when the entries are already there (a retried request), then nothing changes', () => {
    const log = entries(1, 1, 2);
    const plan = planAppend(log, 1, 1, log.slice(1));
    expect(plan).toEqual({ ok: true, truncateFrom: null, append: [], lastNewIndex: 3 });
  });

  it('when a heartbeat carries no entries, then the follower commits only up to what it proved', () => {
    expect(followerCommitIndex(1, 10, 3)).toBe(3);
    expect(followerCommitIndex(5, 4, 3)).toBe(5);
  });

  it('when a majority stores an entry of the current term, then the leader commits it', () => {
    const log = entries(1, 2, 2, 2);
    expect(leaderCommitIndex([4, 3, 1], log, 2, 0)).toBe(3);
    expect(leaderCommitIndex([4, 4, 4, 1, 1], log, 2, 0)).toBe(4);
  });

  it('when the majority index is of an older term, then the leader does not commit it by counting (Raft 5.4.2)', () => {
    const log = entries(1, 2, 4);
    expect(leaderCommitIndex([3, 2, 1], log, 4, 1)).toBe(1);
  });
});

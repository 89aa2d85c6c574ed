import { describe, expect, it } from 'vitest';
import {
  compactedTermAt,
  compactionIndex,
  entriesAfterAppend,
  followerCommitIndex,
  leaderCommitIndex,
  logOf,
  planAppend,
  termAt,
  withTermsOf,
} from './replicated-log.ts';
import type { LogEntry } from './replicated-log.ts';

const list = (...terms: number[]): LogEntry[] =>
  terms.map((term, i) => ({ index: i + 1, term, command: { type: 'noop' } }));
const entries = (...terms: number[]) => logOf(list(...terms));

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
    const plan = planAppend(log, 1, 1, log.entries.slice(1));
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

  it('when the log was compacted, then the snapshot answers for its index and the compacted terms for older ones', () => {
    const all = list(1, 1, 2, 2, 3, 3);
    const log = {
      snapshotIndex: 4,
      snapshotTerm: 2,
      compactedTerms: withTermsOf([], all.slice(0, 4)),
      entries: all.slice(4),
    };
    expect(termAt(log, 4)).toBe(2);
    expect(termAt(log, 3)).toBeUndefined();
    expect(termAt(log, 6)).toBe(3);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => compactedTermAt(log, i))).toEqual([1, 1, 2, 2, 3, 3, undefined]);
  });

  it('when a request starts inside the snapshot, then the covered entries are skipped and the rest appended', () => {
    const all = list(1, 1, 2, 2);
    const log = { snapshotIndex: 3, snapshotTerm: 2, compactedTerms: [], entries: all.slice(3) };
    const incoming = [...all.slice(1), { index: 5, term: 3, command: { type: 'noop' as const } }];
    const plan = planAppend(log, 1, 1, incoming);
    expect(plan).toMatchObject({ ok: true, truncateFrom: null, lastNewIndex: 5 });
    if (plan.ok) expect(plan.append.map((e) => e.index)).toEqual([5]);
    expect(planAppend(log, 1, 1, all.slice(1, 2))).toMatchObject({ ok: true, append: [], lastNewIndex: 2 });
  });

  it('when the follower lacks the previous entry after a snapshot, then it asks from its last index', () => {
    const log = { snapshotIndex: 10, snapshotTerm: 2, compactedTerms: [], entries: [] };
    expect(planAppend(log, 12, 2, [])).toMatchObject({ ok: false, retryFrom: 11 });
  });

  it('compaction waits for `every` applied entries past the snapshot and keeps the last `keep` in the log', () => {
    const policy = { every: 100, keep: 10 };
    expect(compactionIndex(109, 0, policy)).toBeNull();
    expect(compactionIndex(110, 0, policy)).toBe(100);
    expect(compactionIndex(205, 100, policy)).toBeNull();
    expect(compactionIndex(210, 100, policy)).toBe(200);
  });

  it('when a message appends and commits at once, then the entries to apply span the kept log and the new entries, up to the commit', () => {
    const log = entries(1, 1, 1);
    const plan = planAppend(log, 3, 1, [
      { index: 4, term: 1, command: { type: 'noop' } },
      { index: 5, term: 1, command: { type: 'noop' } },
    ]);
    if (!plan.ok) throw new Error(plan.reason);
    expect(entriesAfterAppend(log, plan, 1, 4).map((e) => e.index)).toEqual([2, 3, 4]);
    expect(entriesAfterAppend(log, plan, 3, 3)).toEqual([]);
  });

  it('when a message replaces a conflicting suffix, then the entries to apply come from the new suffix, never the replaced one', () => {
    const log = entries(1, 1, 2, 2);
    const plan = planAppend(log, 2, 1, [{ index: 3, term: 3, command: { type: 'noop' } }]);
    if (!plan.ok) throw new Error(plan.reason);
    expect(entriesAfterAppend(log, plan, 1, 3).map((e) => [e.index, e.term])).toEqual([
      [2, 1],
      [3, 3],
    ]);
  });

  it('when the log was compacted, then the entries to apply start after the snapshot', () => {
    const log = { ...logOf(list(1, 1, 1).slice(2)), snapshotIndex: 2, snapshotTerm: 1 };
    const plan = planAppend(log, 3, 1, [{ index: 4, term: 1, command: { type: 'noop' } }]);
    if (!plan.ok) throw new Error(plan.reason);
    expect(entriesAfterAppend(log, plan, 2, 4).map((e) => e.index)).toEqual([3, 4]);
  });
});

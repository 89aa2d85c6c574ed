/**
 * Raft's log replication (§5.3): the leader orders every write as a log entry
 * and sends followers the entries after the one both agree on; an entry is
 * committed once a majority stores it, and only entries of the leader's own
 * term are committed by counting (§5.4.2), earlier ones ride along.
 */
import type { VectorClockJson } from '@kvs-lab/shared/vector-clock';
import { majority } from './election.ts';

/** What a log entry does to the key-value state when applied. */
export type Command =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly clock: VectorClockJson }
  | { readonly type: 'delete'; readonly key: string; readonly clock: VectorClockJson }
  // A new leader appends one so that it can commit (and so learn the commit index) in its own term.
  | { readonly type: 'noop' };

export interface LogEntry {
  /** 1-based position in the log. */
  readonly index: number;
  readonly term: number;
  readonly command: Command;
}

/**
 * A node's log after compaction (§7): the entries up to `snapshotIndex` are
 * replaced by a snapshot of the state machine, so only the tail after it is
 * kept. `compactedTerms` remembers where each term began among the compacted
 * entries (one pair per term, not per entry), so the term of an old index can
 * still be told.
 */
export interface RaftLog {
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  /** Ascending (first index, term) pairs of the compacted entries. */
  readonly compactedTerms: readonly (readonly [number, number])[];
  /** The entries after the snapshot: entries[i] holds index snapshotIndex + i + 1. */
  readonly entries: readonly LogEntry[];
}

/** A log that was never compacted (tests, a fresh node). */
export function logOf(entries: readonly LogEntry[]): RaftLog {
  return { snapshotIndex: 0, snapshotTerm: 0, compactedTerms: [], entries };
}

export function lastIndex(log: RaftLog): number {
  return log.snapshotIndex + log.entries.length;
}

/**
 * The term of the entry at `index`: 0 for index 0, the snapshot's term at its index, undefined past the
 * end and, in the compacted part, undefined too (the log no longer holds it: see `compactedTermAt`).
 */
export function termAt(log: RaftLog, index: number): number | undefined {
  if (index === log.snapshotIndex) return log.snapshotTerm;
  if (index < log.snapshotIndex) return undefined;
  return log.entries[index - log.snapshotIndex - 1]?.term;
}

/** The term of any index this log has held, compacted or not; undefined past its end. */
export function compactedTermAt(log: RaftLog, index: number): number | undefined {
  if (index === 0 || index >= log.snapshotIndex) return termAt(log, index);
  let term: number | undefined;
  for (const [first, t] of log.compactedTerms) {
    if (first > index) break;
    term = t;
  }
  return term;
}

/** The entries with indexes in (after, upTo], those the log still holds. */
export function entriesAfter(log: RaftLog, after: number, upTo: number): LogEntry[] {
  const offset = log.snapshotIndex;
  return log.entries.slice(Math.max(0, after - offset), Math.max(0, upTo - offset));
}

/** The last entry's (index, term); the snapshot's when the tail is empty; both 0 for an empty log. */
export function lastPosition(log: RaftLog): { lastLogIndex: number; lastLogTerm: number } {
  const last = log.entries[log.entries.length - 1];
  return last
    ? { lastLogIndex: last.index, lastLogTerm: last.term }
    : { lastLogIndex: log.snapshotIndex, lastLogTerm: log.snapshotTerm };
}

/** The (first index, term) pairs of `entries` appended to `terms`: one pair per change of term. */
export function withTermsOf(
  terms: readonly (readonly [number, number])[],
  entries: readonly LogEntry[],
): (readonly [number, number])[] {
  const out = [...terms];
  for (const entry of entries) {
    if (out[out.length - 1]?.[1] !== entry.term) out.push([entry.index, entry.term]);
  }
  return out;
}

/**
 * When to compact (§7): once `every` applied entries sit after the snapshot,
 * snapshot at the applied index less `keep` entries, which stay in the log so
 * that a follower a little behind still gets entries rather than a whole
 * snapshot. Null: not yet.
 */
export function compactionIndex(
  lastApplied: number,
  snapshotIndex: number,
  policy: { readonly every: number; readonly keep: number },
): number | null {
  const target = lastApplied - policy.keep;
  return target - snapshotIndex >= policy.every ? target : null;
}

export type AppendPlan =
  | {
      readonly ok: true;
      /** Drop every entry from this index on before appending (a conflicting suffix), or null. */
      readonly truncateFrom: number | null;
      readonly append: readonly LogEntry[];
      /** The index of the last entry the request carried (or prevLogIndex): the follower may commit up to here. */
      readonly lastNewIndex: number;
    }
  | { readonly ok: false; readonly reason: string; readonly retryFrom: number };

/**
 * The follower's side of AppendEntries (consistency check and conflict rule):
 * the log must hold prevLogIndex with prevLogTerm, else the leader retries
 * from `retryFrom`; entries already present with the same term are kept, the
 * first one with another term and everything after it are replaced.
 */
export function planAppend(
  log: RaftLog,
  prevLogIndex: number,
  prevLogTerm: number,
  entries: readonly LogEntry[],
): AppendPlan {
  if (prevLogIndex < log.snapshotIndex) {
    // The snapshot holds only committed entries, which every later leader has too: skip what it covers.
    const lastNewIndex = prevLogIndex + entries.length;
    const rest = entries.filter((e) => e.index > log.snapshotIndex);
    if (rest.length === 0) return { ok: true, truncateFrom: null, append: [], lastNewIndex };
    return planAppend(log, log.snapshotIndex, log.snapshotTerm, rest);
  }
  const prevTerm = termAt(log, prevLogIndex);
  if (prevTerm === undefined) {
    return { ok: false, reason: `no entry at ${prevLogIndex}`, retryFrom: lastIndex(log) + 1 };
  }
  if (prevTerm !== prevLogTerm) {
    // Skip back over the whole conflicting term at once rather than one entry per round trip.
    let first = prevLogIndex;
    while (first > log.snapshotIndex + 1 && termAt(log, first - 1) === prevTerm) first -= 1;
    return {
      ok: false,
      reason: `term ${prevTerm} at ${prevLogIndex}, leader has ${prevLogTerm}`,
      retryFrom: first,
    };
  }
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!entry) break;
    const existing = termAt(log, entry.index);
    if (existing === undefined) {
      return {
        ok: true,
        truncateFrom: null,
        append: entries.slice(i),
        lastNewIndex: prevLogIndex + entries.length,
      };
    }
    if (existing !== entry.term) {
      return {
        ok: true,
        truncateFrom: entry.index,
        append: entries.slice(i),
        lastNewIndex: prevLogIndex + entries.length,
      };
    }
  }
  return { ok: true, truncateFrom: null, append: [], lastNewIndex: prevLogIndex + entries.length };
}

/**
 * The entries in (after, upTo] of the log as it will be once `plan` is carried out: the kept prefix,
 * then the appended ones. A follower applies the entries a message commits in the same write that
 * stores the message's entries (one Redis round trip per AppendEntries, not two).
 */
export function entriesAfterAppend(
  log: RaftLog,
  plan: { readonly truncateFrom: number | null; readonly append: readonly LogEntry[] },
  after: number,
  upTo: number,
): LogEntry[] {
  const keptUpTo = plan.truncateFrom === null ? lastIndex(log) : plan.truncateFrom - 1;
  const kept = entriesAfter(log, after, Math.min(upTo, keptUpTo));
  return [...kept, ...plan.append.filter((e) => e.index > after && e.index <= upTo)];
}

/** The follower's commit index after an AppendEntries: never past what this request proved it holds. */
export function followerCommitIndex(commitIndex: number, leaderCommit: number, lastNewIndex: number): number {
  return Math.max(commitIndex, Math.min(leaderCommit, lastNewIndex));
}

/**
 * The leader's commit index given every member's match index (its own last
 * index included): the highest index a majority stores, if that entry is of
 * the current term; otherwise unchanged.
 */
export function leaderCommitIndex(
  matchIndexes: readonly number[],
  log: RaftLog,
  currentTerm: number,
  commitIndex: number,
): number {
  const sorted = [...matchIndexes].sort((a, b) => b - a);
  const candidate = sorted[majority(matchIndexes.length) - 1] ?? 0;
  if (candidate > commitIndex && termAt(log, candidate) === currentTerm) return candidate;
  return commitIndex;
}

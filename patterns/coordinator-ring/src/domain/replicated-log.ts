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

/** The term of the entry at `index`; 0 for index 0 (before the first entry), undefined past the end. */
export function termAt(log: readonly LogEntry[], index: number): number | undefined {
  if (index === 0) return 0;
  return log[index - 1]?.term;
}

/** The last entry's (index, term), both 0 when empty. */
export function lastPosition(log: readonly LogEntry[]): { lastLogIndex: number; lastLogTerm: number } {
  const last = log[log.length - 1];
  return { lastLogIndex: last?.index ?? 0, lastLogTerm: last?.term ?? 0 };
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
  log: readonly LogEntry[],
  prevLogIndex: number,
  prevLogTerm: number,
  entries: readonly LogEntry[],
): AppendPlan {
  const prevTerm = termAt(log, prevLogIndex);
  if (prevTerm === undefined) {
    return { ok: false, reason: `no entry at ${prevLogIndex}`, retryFrom: log.length + 1 };
  }
  if (prevTerm !== prevLogTerm) {
    // Skip back over the whole conflicting term at once rather than one entry per round trip.
    let first = prevLogIndex;
    while (first > 1 && termAt(log, first - 1) === prevTerm) first -= 1;
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
  log: readonly LogEntry[],
  currentTerm: number,
  commitIndex: number,
): number {
  const sorted = [...matchIndexes].sort((a, b) => b - a);
  const candidate = sorted[majority(matchIndexes.length) - 1] ?? 0;
  if (candidate > commitIndex && termAt(log, candidate) === currentTerm) return candidate;
  return commitIndex;
}

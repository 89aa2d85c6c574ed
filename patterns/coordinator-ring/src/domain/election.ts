/**
 * Raft's election rules (Ongaro & Ousterhout, 2014, §5.2 and §5.4.1) as pure
 * functions. Terms are logical time: a node that sees a higher term adopts it
 * and becomes a follower; each node grants at most one vote per term, and only
 * to a candidate whose log is at least as up to date as its own. Together they
 * give at most one leader per term, since any two majorities share a voter.
 */

export type Role = 'follower' | 'candidate' | 'leader';

/** What a node must keep on disk before it answers: its promises. */
export interface ElectionState {
  readonly currentTerm: number;
  readonly votedFor: string | null;
}

/** The last entry of a log: (index, term), both 0 for an empty log. */
export interface LogPosition {
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface VoteRequest extends LogPosition {
  readonly term: number;
  readonly candidateId: string;
}

export type VoteDecision =
  | { readonly granted: true; readonly next: ElectionState }
  | { readonly granted: false; readonly next: ElectionState; readonly reason: string };

/** Votes needed to win, and acks needed to commit: any two majorities share a node. */
export const majority = (clusterSize: number): number => Math.floor(clusterSize / 2) + 1;

export const initialElectionState: ElectionState = { currentTerm: 0, votedFor: null };

/** A higher term seen anywhere is adopted at once, with no vote cast in it yet. */
export function observeTerm(state: ElectionState, term: number): ElectionState {
  return term > state.currentTerm ? { currentTerm: term, votedFor: null } : state;
}

/** §5.4.1: the later last term wins; with equal last terms, the longer log. */
export function isAtLeastAsUpToDate(candidate: LogPosition, own: LogPosition): boolean {
  if (candidate.lastLogTerm !== own.lastLogTerm) return candidate.lastLogTerm > own.lastLogTerm;
  return candidate.lastLogIndex >= own.lastLogIndex;
}

/** RequestVote on the voter's side: the new state must be persisted before the answer leaves. */
export function decideVote(state: ElectionState, own: LogPosition, request: VoteRequest): VoteDecision {
  if (request.term < state.currentTerm) {
    return { granted: false, next: state, reason: `stale term ${request.term} < ${state.currentTerm}` };
  }
  const next = observeTerm(state, request.term);
  if (next.votedFor !== null && next.votedFor !== request.candidateId) {
    return { granted: false, next, reason: `already voted for ${next.votedFor} in term ${next.currentTerm}` };
  }
  if (!isAtLeastAsUpToDate(request, own)) {
    return { granted: false, next, reason: 'candidate log is behind' };
  }
  return { granted: true, next: { currentTerm: next.currentTerm, votedFor: request.candidateId } };
}

/** A follower whose election timer fired becomes a candidate in the next term and votes for itself. */
export function startElection(state: ElectionState, selfId: string): ElectionState {
  return { currentTerm: state.currentTerm + 1, votedFor: selfId };
}

/**
 * A randomised election timeout in [minMs, maxMs]; `random01` comes from the
 * caller. Spreading timeouts makes split votes rare: usually one node times
 * out first and wins before any other starts.
 */
export function electionTimeoutMs(minMs: number, maxMs: number, random01: number): number {
  return Math.round(minMs + (maxMs - minMs) * Math.min(Math.max(random01, 0), 1));
}

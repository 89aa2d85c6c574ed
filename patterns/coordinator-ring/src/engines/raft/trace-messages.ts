import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { VoteRequest } from '../../domain/election.ts';
import type { AppendReply, AppendRequest, SnapshotChunk, SnapshotReply, VoteReply } from './messages.ts';

/**
 * The Raft and gossip messages as the trace records them: one entry per message a node sends
 * or receives, named as in the paper, with the fields a learner looks for. A node records both
 * directions of what touches it, so each node's GET /trace tells its whole side of the story.
 */
export type RingMessageKind =
  | 'request-vote'
  | 'vote-granted'
  | 'vote-denied'
  | 'append-entries'
  | 'append-ack'
  | 'install-snapshot'
  | 'snapshot-ack'
  | 'gossip'
  | 'gossip-reply';

export const requestVote = (to: string, request: VoteRequest): ProtocolMessage => ({
  from: request.candidateId,
  to,
  kind: 'request-vote' satisfies RingMessageKind,
  detail: { term: request.term, lastLogIndex: request.lastLogIndex, lastLogTerm: request.lastLogTerm },
});

/** A voter's answer; `term` is the term the vote was asked for, `voterTerm` the voter's own after it. */
export const voteAnswer = (
  voter: string,
  candidateId: string,
  askedTerm: number,
  reply: VoteReply,
): ProtocolMessage => ({
  from: voter,
  to: candidateId,
  kind: (reply.granted ? 'vote-granted' : 'vote-denied') satisfies RingMessageKind,
  detail: {
    term: askedTerm,
    voterTerm: reply.term,
    granted: reply.granted,
    ...(reply.reason ? { reason: reply.reason } : {}),
  },
});

/** `entries` is a count: the entries themselves are in the log, and a heartbeat has none. */
export const appendEntries = (to: string, request: AppendRequest): ProtocolMessage => ({
  from: request.leaderId,
  to,
  kind: 'append-entries' satisfies RingMessageKind,
  detail: {
    term: request.term,
    prevLogIndex: request.prevLogIndex,
    prevLogTerm: request.prevLogTerm,
    entries: request.entries.length,
    leaderCommit: request.leaderCommit,
    isHeartbeat: request.entries.length === 0,
  },
});

/** The follower's answer, with the request's position so the pair can be matched in the trace. */
export const appendAck = (
  follower: string,
  request: AppendRequest,
  reply: AppendReply,
  followerCommit?: number,
): ProtocolMessage => ({
  from: follower,
  to: request.leaderId,
  kind: 'append-ack' satisfies RingMessageKind,
  detail: {
    term: reply.term,
    success: reply.success,
    prevLogIndex: request.prevLogIndex,
    entries: request.entries.length,
    ...(reply.matchIndex !== undefined ? { matchIndex: reply.matchIndex } : {}),
    ...(reply.retryFrom !== undefined ? { retryFrom: reply.retryFrom } : {}),
    ...(followerCommit !== undefined ? { commitIndex: followerCommit } : {}),
  },
});

/** `pairs` is a count: a chunk carries up to 256 keys of the state machine. */
export const installSnapshot = (to: string, chunk: SnapshotChunk): ProtocolMessage => ({
  from: chunk.leaderId,
  to,
  kind: 'install-snapshot' satisfies RingMessageKind,
  detail: {
    term: chunk.term,
    lastIncludedIndex: chunk.lastIncludedIndex,
    lastIncludedTerm: chunk.lastIncludedTerm,
    offset: chunk.offset,
    pairs: chunk.pairs.length,
    done: chunk.done,
  },
});

export const snapshotAck = (
  follower: string,
  chunk: SnapshotChunk,
  reply: SnapshotReply,
): ProtocolMessage => ({
  from: follower,
  to: chunk.leaderId,
  kind: 'snapshot-ack' satisfies RingMessageKind,
  detail: { term: reply.term, success: reply.success, offset: chunk.offset, done: chunk.done },
});

/** Push-pull gossip: the heartbeat counter the sender has reached for itself. */
export const gossip = (
  from: string,
  to: string,
  isReply: boolean,
  heartbeat: number | undefined,
): ProtocolMessage => ({
  from,
  to,
  kind: (isReply ? 'gossip-reply' : 'gossip') satisfies RingMessageKind,
  detail: { heartbeat: heartbeat ?? 0 },
});

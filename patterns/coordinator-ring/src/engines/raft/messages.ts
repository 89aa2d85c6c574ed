import type { Gossip } from '../../domain/failure-detector.ts';
import type { VoteRequest } from '../../domain/election.ts';
import type { NodeProgress } from '../ring-engine.ts';
import type { LogEntry } from '../../domain/replicated-log.ts';

/** The internal messages between ring nodes (bodies of the /internal routes). */
export type { VoteRequest };

export interface VoteReply {
  readonly term: number;
  readonly granted: boolean;
  readonly reason?: string;
}

export interface AppendRequest {
  readonly term: number;
  readonly leaderId: string;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly LogEntry[];
  readonly leaderCommit: number;
}

export interface AppendReply {
  readonly term: number;
  readonly success: boolean;
  /** On success: the index up to which the follower's log matches the leader's. */
  readonly matchIndex?: number;
  /** On a log mismatch: where the leader should retry from. */
  readonly retryFrom?: number;
}

export interface HeartbeatMessage {
  readonly from: string;
  readonly gossip: Gossip;
  readonly progress?: NodeProgress;
}

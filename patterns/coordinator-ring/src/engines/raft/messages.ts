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

/** One chunk of InstallSnapshot (§7): the leader's state machine as of `lastIncludedIndex`, in pieces. */
export interface SnapshotChunk {
  readonly term: number;
  readonly leaderId: string;
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  /** The terms of the entries the snapshot replaces, as (first index, term) pairs. */
  readonly compactedTerms: readonly (readonly [number, number])[];
  /** Chunks are numbered from 0 and sent one after another. */
  readonly offset: number;
  /** (key, stored version as JSON) pairs of the state machine. */
  readonly pairs: readonly (readonly [string, string])[];
  readonly done: boolean;
}

export interface SnapshotReply {
  readonly term: number;
  readonly success: boolean;
}

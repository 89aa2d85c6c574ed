import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { VectorClock, VectorClockJson } from '@kvs-lab/shared/vector-clock';
import type { ElectionState, Role } from '../../domain/election.ts';
import { initialTable } from '../../domain/failure-detector.ts';
import type { MemberState, MembershipTable } from '../../domain/failure-detector.ts';
import type { LogEntry, RaftLog } from '../../domain/replicated-log.ts';
import { ringOrder } from '../../domain/ring-order.ts';
import type { LeaderSighting } from '../../check/ring-check.ts';
import type { PeerLink } from '../../cluster/peer-link.ts';
import type { RingConfig } from '../../config.ts';
import type { RingEventName } from '../../realtime/events.ts';
import type { NodeProgress, Replaced } from '../ring-engine.ts';
import type { AppError } from '../../errors.ts';
import type { NodeStore } from './node-store.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { SerialQueue } from './serial-queue.ts';

/** Counters for /stats. */
export interface RingCounters {
  electionsStarted: number;
  electionsWon: number;
  votesGranted: number;
  votesRefused: number;
  stepDowns: number;
  entriesAppended: number;
  /** AppendEntries this node sent as leader: entriesAppended over it is the mean batch. */
  appendEntriesSent: number;
  entriesCommitted: number;
  compactions: number;
  snapshotsSent: number;
  snapshotsInstalled: number;
  /** How long the last start took to read the durable state (election, snapshot position, log tail). */
  startUpMs: number;
  suspicions: number;
  deathsDetected: number;
  heartbeatsFailed: number;
}

export interface CommitWaiter {
  readonly term: number;
  readonly resolve: () => void;
  readonly reject: (error: AppError) => void;
}

/** A write appended to the leader's log, and the version it was stamped on. */
export interface Placed {
  readonly entry: LogEntry;
  readonly replaces: Replaced | null;
}

export interface Proposal {
  readonly key: string;
  readonly value: string | null;
  readonly resolve: (placed: Placed) => void;
  readonly reject: (error: unknown) => void;
}

export interface ReadWaiter {
  /** The first AppendEntries sequence number whose acknowledgement confirms this read. */
  readonly since: number;
  readonly resolve: () => void;
}

/** The log as a node holds it: a snapshot position, then the entries after it (appended in place). */
export interface NodeLog extends RaftLog {
  readonly entries: LogEntry[];
}

/** A snapshot arriving in chunks: whose it is, and which chunk comes next. */
export interface IncomingSnapshot {
  readonly leaderId: string;
  readonly term: number;
  readonly index: number;
  nextOffset: number;
}

/**
 * Everything a ring node knows, in one object that every protocol rule reads and changes (as
 * raftscope's server record). `election` and `log` mirror what is durable in Redis; the rest is
 * volatile and relearned after a restart.
 */
export interface NodeState {
  role: Role;
  election: ElectionState;
  leaderId: string | null;
  log: NodeLog;
  commitIndex: number;
  lastApplied: number;
  /** The newest clock of each key over the whole log, committed or not: what the next write builds on. */
  tips: Map<string, { readonly clock: VectorClock; readonly index: number }>;
  electionDeadline: number;
  isElecting: boolean;
  isApplying: boolean;
  isStopped: boolean;
  isCompacting: boolean;
  /** Set while a received snapshot replaces the state machine: applying waits. */
  isInstalling: boolean;
  incoming: IncomingSnapshot | null;
  lastWrite: { key: string; index: number; term: number; clock: VectorClockJson } | null;

  // Membership and failure detection.
  table: MembershipTable;
  memberStates: Map<string, MemberState>;
  /** What each peer last gossiped about itself. */
  progressHeard: Map<string, NodeProgress>;
  readonly sightings: LeaderSighting[];

  // Leader state, reset at each election win.
  nextIndex: Map<string, number>;
  matchIndex: Map<string, number>;
  lastAckAt: Map<string, number>;
  /** Every AppendEntries gets a sequence number; per peer, the newest one it acknowledged (for ReadIndex). */
  sendSeq: number;
  ackedSeq: Map<string, number>;
  /** Per follower, the AppendEntries sent and not yet answered (at most `pipelineDepth`). */
  appendsInFlight: Map<string, number>;
  /** Followers whose log is known to match up to nextIndex - 1: they get a pipeline, the others a probe. */
  replicating: Set<string>;
  /** Followers receiving InstallSnapshot: nothing else is sent to them meanwhile. */
  sendingSnapshot: Set<string>;
  /** Followers owed a heartbeat that could not leave yet (the pipeline was full). */
  wantsResend: Set<string>;
  /** A heartbeat round for the reads waiting is scheduled (one round serves every read begun before it). */
  isReadRoundDue: boolean;
  proposals: Proposal[];
  isFlushing: boolean;

  // Who waits for what.
  commitWaiters: Map<number, CommitWaiter>;
  readWaiters: ReadWaiter[];
  applyWaiters: { index: number; resolve: () => void }[];
}

/**
 * One ring node as the rules see it: what it is wired to (config, its Redis, its peers, the clock),
 * the serial queue every durable change goes through, and its state.
 */
export interface RaftNode {
  readonly id: string;
  readonly members: readonly string[];
  readonly order: readonly string[];
  readonly config: RingConfig;
  readonly store: NodeStore;
  readonly snapshots: SnapshotStore;
  readonly peers: readonly PeerLink[];
  readonly now: () => number;
  readonly random: () => number;
  readonly queue: SerialQueue;
  readonly tally: RingCounters;
  readonly listeners: ((event: RingEventName, payload: unknown) => void)[];
  readonly messageListeners: ((messages: readonly ProtocolMessage[]) => void)[];
  readonly state: NodeState;
}

export function createRaftNode(
  config: RingConfig,
  store: NodeStore,
  snapshots: SnapshotStore,
  peers: readonly PeerLink[],
  now: () => number,
  random: () => number,
): RaftNode {
  const id = config.nodeId;
  const members = [id, ...peers.map((p) => p.name)];
  return {
    id,
    members,
    order: ringOrder(members),
    config,
    store,
    snapshots,
    peers,
    now,
    random,
    queue: new SerialQueue(),
    tally: {
      electionsStarted: 0,
      electionsWon: 0,
      votesGranted: 0,
      votesRefused: 0,
      stepDowns: 0,
      entriesAppended: 0,
      appendEntriesSent: 0,
      entriesCommitted: 0,
      compactions: 0,
      snapshotsSent: 0,
      snapshotsInstalled: 0,
      startUpMs: 0,
      suspicions: 0,
      deathsDetected: 0,
      heartbeatsFailed: 0,
    },
    listeners: [],
    messageListeners: [],
    state: {
      role: 'follower',
      election: { currentTerm: 0, votedFor: null },
      leaderId: null,
      log: { snapshotIndex: 0, snapshotTerm: 0, compactedTerms: [], entries: [] },
      commitIndex: 0,
      lastApplied: 0,
      tips: new Map(),
      electionDeadline: 0,
      isElecting: false,
      isApplying: false,
      isStopped: false,
      isCompacting: false,
      isInstalling: false,
      incoming: null,
      lastWrite: null,
      table: initialTable(members, now()),
      memberStates: new Map(),
      progressHeard: new Map(),
      sightings: [],
      nextIndex: new Map(),
      matchIndex: new Map(),
      lastAckAt: new Map(),
      sendSeq: 0,
      ackedSeq: new Map(),
      appendsInFlight: new Map(),
      replicating: new Set(),
      sendingSnapshot: new Set(),
      wantsResend: new Set(),
      isReadRoundDue: false,
      proposals: [],
      isFlushing: false,
      commitWaiters: new Map(),
      readWaiters: [],
      applyWaiters: [],
    },
  };
}

import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { LinkControl, ReadinessCheck, Service } from '@kvs-lab/shared/service';
import type { VectorClockJson } from '@kvs-lab/shared/vector-clock';
import type { PeerLink } from '../cluster/peer-link.ts';
import type { Role } from '../domain/election.ts';
import type { MemberState } from '../domain/failure-detector.ts';
import type { LeaderSighting, RingFacts } from '../check/ring-check.ts';
import type { RingEventName } from '../realtime/events.ts';

/** One key's applied version; `value` null is a tombstone, kept so the clock chain goes on. */
export interface StoredVersion {
  readonly value: string | null;
  readonly clock: VectorClockJson;
  readonly term: number;
  readonly index: number;
}

/** The version a write was stamped on top of: its position and clock. */
export interface Replaced {
  readonly index: number;
  readonly clock: VectorClockJson;
}

/** A write acknowledged as durable on a majority: where it sits in the order, its clock, what it replaced. */
export interface Proposed {
  readonly term: number;
  readonly index: number;
  readonly clock: VectorClockJson;
  /** Null for a key's first write. */
  readonly replaces: Replaced | null;
}

/** GET /status: this instance's role and position. */
export interface EngineStatus {
  readonly id: string;
  readonly engine: 'raft' | 'etcd';
  readonly role: Role;
  readonly term: number;
  readonly votedFor: string | null;
  readonly leaderId: string | null;
  readonly commitIndex: number;
  readonly lastApplied: number;
  readonly lastLogIndex: number;
  /** Raft: the last index the log was compacted up to (0: never); absent on etcd. */
  readonly snapshotIndex?: number;
  readonly lastWrite: {
    readonly key: string;
    readonly index: number;
    readonly term: number;
    readonly clock: VectorClockJson;
  } | null;
  readonly suspects: readonly string[];
}

/** Where a node stands; Raft nodes carry it on their gossip so every live view can draw each node. */
export interface NodeProgress {
  readonly term: number;
  readonly role: Role;
  readonly commitIndex: number;
  readonly lastLogIndex: number;
}

/** GET /ring: the members in ring order as this instance sees them. */
export interface RingView {
  readonly self: string;
  readonly term: number;
  readonly leaderId: string | null;
  readonly members: readonly {
    readonly id: string;
    readonly url: string | null;
    readonly state: MemberState;
    readonly heartbeatAgeMs: number | null;
    readonly isLeader: boolean;
    readonly isSelf: boolean;
    /** Its term, role and indexes as last heard; null when never heard (or on etcd, for the others). */
    readonly progress: NodeProgress | null;
  }[];
}

/**
 * The port of the pattern: what the ring service needs from whatever keeps
 * the replicated key-value state and elects the leader. The hand-made Raft
 * (engines/raft) and etcd (engines/etcd) implement it; the service and the
 * routes never ask which one runs.
 */
export interface RingEngine {
  /** This instance's id (SERVICE_NAME). */
  readonly id: string;
  /** Every instance's id, this one included. */
  readonly members: readonly string[];
  /** The other instances, for forwarding client requests to the leader. */
  readonly peers: readonly PeerLink[];
  /** Whether this instance may order writes and answer linearizable reads now; otherwise it forwards. */
  readonly canServe: boolean;
  readonly currentLeader: string | null;
  /** Whether this instance is the elected leader (the live view stars it). */
  readonly isLeader: boolean;
  peer(name: string): PeerLink | undefined;
  /** Writes (value) or deletes (null) a key; resolves once durable on a majority, else AppError 503/504. */
  propose(key: string, value: string | null): Promise<Proposed>;
  /** A read that reflects every write acknowledged before it began. */
  readLinearizable(key: string): Promise<StoredVersion | undefined>;
  /** This instance's (or its nearest member's) copy, whatever its age. */
  readLocal(key: string): Promise<StoredVersion | undefined>;
  status(): EngineStatus;
  ring(): RingView;
  /** Counters for /stats; a counter an engine cannot keep is absent. */
  counters(): Readonly<Record<string, number>>;
  leaderSightings(): readonly LeaderSighting[];
  /** What /check needs besides the history: leaders per term, and where acknowledged writes sit now. */
  checkFacts(
    acknowledged: readonly { readonly key: string; readonly index: number; readonly term: number }[],
  ): Promise<RingFacts>;
  onEvent(listener: (event: RingEventName, payload: unknown) => void): void;
  /** Each protocol step's messages (one fan-out per call) that this instance sends or receives, for the trace. */
  onMessages(listener: (messages: readonly ProtocolMessage[]) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** An engine with what the service kit needs around it, built by app.ts from the config. */
export interface EngineSetup {
  readonly engine: RingEngine;
  /** Links `/chaos` can cut or slow. */
  readonly links: readonly LinkControl[];
  /** What /readyz checks. */
  readonly readiness: readonly ReadinessCheck[];
  /** Routes only this engine has (the Raft messages). */
  mountRoutes(service: Service): void;
  /**
   * Ends the long-lived connections peers hold open on this node's server (the Raft streams) and refuses
   * new ones: a server closes only once every connection has, and peers would keep theirs busy.
   */
  closeIncoming(): void;
  /** Closes the connections the setup opened. */
  close(): Promise<void>;
}

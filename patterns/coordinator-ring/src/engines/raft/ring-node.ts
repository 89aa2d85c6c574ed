import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { VoteRequest } from '../../domain/election.ts';
import { heartbeatAgeMs } from '../../domain/failure-detector.ts';
import { compactedTermAt, lastIndex } from '../../domain/replicated-log.ts';
import type { LeaderSighting, RingFacts } from '../../check/ring-check.ts';
import type { PeerLink } from '../../cluster/peer-link.ts';
import type { RingConfig } from '../../config.ts';
import type { RingEventName } from '../../realtime/events.ts';
import type { EngineStatus, Proposed, RingEngine, RingView, StoredVersion } from '../ring-engine.ts';
import { compactLog, isCompactionDue } from './compaction.ts';
import { handleVote, runElection } from './election-rules.ts';
import { handleAppendEntries } from './follower-log.ts';
import { propose } from './group-commit.ts';
import { replicateToAll, requestReadRound } from './leader-replication.ts';
import { rebuildTips } from './local-log.ts';
import { detectFailures, gossipRound, handleHeartbeat, stateOf } from './membership.ts';
import type {
  AppendReply,
  AppendRequest,
  HeartbeatMessage,
  SnapshotChunk,
  SnapshotReply,
  VoteReply,
} from './messages.ts';
import type { NodeStore } from './node-store.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { handleInstallSnapshot } from './snapshot-transfer.ts';
import { progressOf } from './node-events.ts';
import { createRaftNode } from './node-state.ts';
import type { RaftNode } from './node-state.ts';
import { becomeFollower, failWaiters, hasQuorumContact, resetElectionDeadline } from './role-changes.ts';
import { applyCommitted, readLinearizable } from './state-machine.ts';

export type { RingCounters } from './node-state.ts';

/** How many times start-up reads its durable state before giving up. */
const startAttempts = 5;

/**
 * One ring node: a Raft member (election, log replication, commit) that also
 * gossips heartbeats around the ring for failure detection. The decisions live
 * in domain/; the protocol steps are named rules in the files beside this one
 * (election-rules, leader-replication, group-commit, follower-log,
 * state-machine, membership), all reading and changing one `RaftNode` state.
 * This class owns the timers and answers the engine port. Every change to the
 * durable state goes through one serial queue and is written to Redis before
 * the node acts on it or answers.
 */
export class RingNode implements RingEngine {
  private readonly node: RaftNode;
  private ticker: NodeJS.Timeout | undefined;
  private beater: NodeJS.Timeout | undefined;

  constructor(
    config: RingConfig,
    store: NodeStore,
    snapshots: SnapshotStore,
    peers: readonly PeerLink[],
    now: () => number = Date.now,
    random: () => number = Math.random,
  ) {
    this.node = createRaftNode(config, store, snapshots, peers, now, random);
  }

  get id(): string {
    return this.node.id;
  }

  get members(): readonly string[] {
    return this.node.members;
  }

  get order(): readonly string[] {
    return this.node.order;
  }

  get peers(): readonly PeerLink[] {
    return this.node.peers;
  }

  get clusterSize(): number {
    return this.node.members.length;
  }

  /**
   * Loads the durable state (promises, snapshot position, the log after it, the applied index), replays
   * unapplied entries lazily, and starts the timers. The state machine stays in Redis: nothing to replay.
   */
  async start(): Promise<void> {
    const { node } = this;
    const s = node.state;
    const startedAt = performance.now();
    // Start-up reads are idempotent: a Redis slow for a moment (a busy machine) is retried, not fatal.
    for (let attempt = 1; ; attempt++) {
      try {
        s.election = await node.store.loadElection();
        const snapshot = await node.snapshots.load();
        s.log = { ...snapshot, entries: await node.store.loadLog() };
        s.lastApplied = Math.min(await node.store.loadApplied(), lastIndex(s.log));
        break;
      } catch (error) {
        if (attempt >= startAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    // Entries up to lastApplied were committed once; commit index is volatile in Raft and is relearned.
    s.commitIndex = s.lastApplied;
    node.tally.startUpMs = Math.round(performance.now() - startedAt);
    rebuildTips(node);
    resetElectionDeadline(node);
    const { heartbeatIntervalMs } = node.config;
    this.ticker = setInterval(() => this.tick(), Math.max(5, Math.floor(heartbeatIntervalMs / 4)));
    this.beater = setInterval(() => this.heartbeatRound(), heartbeatIntervalMs);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the port's stop is async (etcd closes a client)
  async stop(): Promise<void> {
    this.node.state.isStopped = true;
    clearInterval(this.ticker);
    clearInterval(this.beater);
    failWaiters(this.node, 'the node is shutting down');
    for (const peer of this.node.peers) peer.close();
  }

  onEvent(listener: (event: RingEventName, payload: unknown) => void): void {
    this.node.listeners.push(listener);
  }

  onMessages(listener: (messages: readonly ProtocolMessage[]) => void): void {
    this.node.messageListeners.push(listener);
  }

  // ---------------------------------------------------------------- timers

  private tick(): void {
    const { node } = this;
    const s = node.state;
    if (s.isStopped) return;
    const now = node.now();
    detectFailures(node, now);
    if (s.lastApplied < s.commitIndex) applyCommitted(node);
    if (isCompactionDue(node)) compactLog(node);
    if (s.role === 'leader') {
      // CheckQuorum: a leader that cannot hear a majority steps down, so a minority side refuses writes.
      if (!hasQuorumContact(node, now)) {
        node.tally.stepDowns += 1;
        becomeFollower(node, null);
      }
      return;
    }
    if (now >= s.electionDeadline && !s.isElecting) {
      s.isElecting = true;
      void runElection(node)
        .catch(() => undefined)
        .finally(() => (s.isElecting = false));
    }
  }

  /** Gossip to the ring successors (push-pull) and, when leading, AppendEntries to every follower. */
  private heartbeatRound(): void {
    if (this.node.state.isStopped) return;
    gossipRound(this.node);
    if (this.node.state.role === 'leader') replicateToAll(this.node, 'heartbeat');
  }

  // ---------------------------------------------------------------- messages from peers

  handleVote(request: VoteRequest): Promise<VoteReply> {
    return handleVote(this.node, request);
  }

  handleAppend(request: AppendRequest): Promise<AppendReply> {
    return handleAppendEntries(this.node, request);
  }

  handleInstallSnapshot(chunk: SnapshotChunk): Promise<SnapshotReply> {
    return handleInstallSnapshot(this.node, chunk);
  }

  handleHeartbeat(message: HeartbeatMessage): HeartbeatMessage {
    return handleHeartbeat(this.node, message);
  }

  // ---------------------------------------------------------------- writes and reads

  propose(key: string, value: string | null): Promise<Proposed> {
    return propose(this.node, key, value);
  }

  readLinearizable(key: string): Promise<StoredVersion | undefined> {
    return readLinearizable(this.node, key, () => requestReadRound(this.node));
  }

  /** The local replica's version, whatever its age. */
  async readLocal(key: string): Promise<StoredVersion | undefined> {
    return this.node.store.read(key);
  }

  // ---------------------------------------------------------------- views

  status(): EngineStatus {
    const { node } = this;
    const s = node.state;
    const now = node.now();
    return {
      id: node.id,
      engine: 'raft',
      role: s.role,
      term: s.election.currentTerm,
      votedFor: s.election.votedFor,
      leaderId: s.leaderId,
      commitIndex: s.commitIndex,
      lastApplied: s.lastApplied,
      lastLogIndex: lastIndex(s.log),
      snapshotIndex: s.log.snapshotIndex,
      lastWrite: s.lastWrite,
      suspects: node.members.filter((m) => m !== node.id && stateOf(node, m, now) !== 'alive'),
    };
  }

  ring(): RingView {
    const { node } = this;
    const s = node.state;
    const now = node.now();
    return {
      self: node.id,
      term: s.election.currentTerm,
      leaderId: s.leaderId,
      members: node.order.map((id) => {
        const view = s.table[id];
        return {
          id,
          url: this.peer(id)?.url ?? null,
          state: stateOf(node, id, now),
          heartbeatAgeMs: view ? Math.round(heartbeatAgeMs(view, now)) : null,
          isLeader: id === s.leaderId,
          isSelf: id === node.id,
          progress: id === node.id ? progressOf(node) : (s.progressHeard.get(id) ?? null),
        };
      }),
    };
  }

  leaderSightings(): readonly LeaderSighting[] {
    return this.node.state.sightings;
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.node.tally };
  }

  /** Raft's facts are all in memory: the sightings, the commit index and this node's log (compacted terms too). */
  checkFacts(): Promise<RingFacts> {
    const s = this.node.state;
    return Promise.resolve({
      leaderSightings: s.sightings,
      commitIndex: s.commitIndex,
      entryTermAt: (index: number) => this.entryTermAt(index),
    });
  }

  /** Only the leader orders writes and answers linearizable reads; a follower forwards. */
  get canServe(): boolean {
    return this.node.state.role === 'leader';
  }

  get isLeader(): boolean {
    return this.node.state.role === 'leader';
  }

  get committed(): number {
    return this.node.state.commitIndex;
  }

  get currentLeader(): string | null {
    return this.node.state.leaderId;
  }

  entryTermAt(index: number): number | undefined {
    return index === 0 ? undefined : compactedTermAt(this.node.state.log, index);
  }

  peer(name: string): PeerLink | undefined {
    return this.node.peers.find((p) => p.name === name);
  }
}

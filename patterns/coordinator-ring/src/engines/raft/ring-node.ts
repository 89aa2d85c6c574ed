import type { ProtocolMessage } from '@kvs-lab/shared/history';

import { fromJSON, toJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClock, VectorClockJson } from '@kvs-lab/shared/vector-clock';
import {
  decideVote,
  electionTimeoutMs,
  majority,
  observeTerm,
  startElection,
} from '../../domain/election.ts';
import type { ElectionState, Role, VoteRequest } from '../../domain/election.ts';
import {
  beat,
  gossipOf,
  heartbeatAgeMs,
  initialTable,
  memberState,
  mergeGossip,
} from '../../domain/failure-detector.ts';
import type { MemberState, MembershipTable } from '../../domain/failure-detector.ts';
import {
  followerCommitIndex,
  lastPosition,
  leaderCommitIndex,
  planAppend,
  termAt,
} from '../../domain/replicated-log.ts';
import type { Command, LogEntry } from '../../domain/replicated-log.ts';
import type { LeaderSighting, RingFacts } from '../../check/ring-check.ts';
import { ringOrder, successorsOf } from '../../domain/ring-order.ts';
import { stampWrite } from '../../domain/write-clock.ts';
import type { RingConfig } from '../../config.ts';
import type { RingEventName, RingLiveEvents } from '../../realtime/events.ts';
import type {
  EngineStatus,
  NodeProgress,
  Proposed,
  Replaced,
  RingEngine,
  RingView,
  StoredVersion,
} from '../ring-engine.ts';
import type { NodeStore } from './node-store.ts';
import type { AppendReply, AppendRequest, HeartbeatMessage, VoteReply } from './messages.ts';
import type { PeerLink } from '../../cluster/peer-link.ts';
import { SerialQueue } from './serial-queue.ts';
import { appendAck, appendEntries, gossip, requestVote, voteAnswer } from './trace-messages.ts';
import { AppError } from '../../errors.ts';

interface CommitWaiter {
  readonly term: number;
  readonly resolve: () => void;
  readonly reject: (error: AppError) => void;
}

interface Placed {
  readonly entry: LogEntry;
  readonly replaces: Replaced | null;
}

interface ReadWaiter {
  readonly since: number;
  readonly resolve: () => void;
}

/** Counters for /stats. */
export interface RingCounters {
  electionsStarted: number;
  electionsWon: number;
  votesGranted: number;
  votesRefused: number;
  stepDowns: number;
  entriesAppended: number;
  entriesCommitted: number;
  suspicions: number;
  deathsDetected: number;
  heartbeatsFailed: number;
}

const maxSightings = 1000;
/** How many times start-up reads its durable state before giving up. */
const startAttempts = 5;

/**
 * One ring node: a Raft member (election, log replication, commit) that also
 * gossips heartbeats around the ring for failure detection. The rules live in
 * domain/; this class holds the state, the timers and the messages. Every
 * change to the durable state goes through one serial queue and is written to
 * Redis before the node acts on it or answers.
 */
export class RingNode implements RingEngine {
  readonly id: string;
  readonly members: readonly string[];
  readonly order: readonly string[];
  private readonly tally: RingCounters = {
    electionsStarted: 0,
    electionsWon: 0,
    votesGranted: 0,
    votesRefused: 0,
    stepDowns: 0,
    entriesAppended: 0,
    entriesCommitted: 0,
    suspicions: 0,
    deathsDetected: 0,
    heartbeatsFailed: 0,
  };

  private role: Role = 'follower';
  private election: ElectionState = { currentTerm: 0, votedFor: null };
  private leaderId: string | null = null;
  private log: LogEntry[] = [];
  private commitIndex = 0;
  private lastApplied = 0;
  /** The newest clock of each key over the whole log, committed or not: what the next write builds on. */
  private tips = new Map<string, { readonly clock: VectorClock; readonly index: number }>();
  private table: MembershipTable;
  private memberStates = new Map<string, MemberState>();
  private electionDeadline = 0;
  private readonly sightings: LeaderSighting[] = [];
  // Leader state, reset at each election win.
  private nextIndex = new Map<string, number>();
  private matchIndex = new Map<string, number>();
  private lastAckAt = new Map<string, number>();
  /** Every AppendEntries gets a sequence number; per peer, the newest one it acknowledged (for ReadIndex). */
  private sendSeq = 0;
  private ackedSeq = new Map<string, number>();
  private inFlight = new Set<string>();
  private wantsResend = new Set<string>();
  private commitWaiters = new Map<number, CommitWaiter>();
  private readWaiters: ReadWaiter[] = [];
  private applyWaiters: { index: number; resolve: () => void }[] = [];
  private readonly queue = new SerialQueue();
  private isApplying = false;
  private ticker: NodeJS.Timeout | undefined;
  private beater: NodeJS.Timeout | undefined;
  private listeners: ((event: RingEventName, payload: unknown) => void)[] = [];
  private messageListeners: ((messages: readonly ProtocolMessage[]) => void)[] = [];
  /** What each peer last gossiped about itself. */
  private progressHeard = new Map<string, NodeProgress>();
  private isStopped = false;
  private proposals: {
    key: string;
    value: string | null;
    resolve: (placed: Placed) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private isFlushing = false;
  private isElecting = false;
  private lastWrite: { key: string; index: number; term: number; clock: VectorClockJson } | null = null;

  private readonly config: RingConfig;
  private readonly store: NodeStore;
  readonly peers: readonly PeerLink[];
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    config: RingConfig,
    store: NodeStore,
    peers: readonly PeerLink[],
    now: () => number = Date.now,
    random: () => number = Math.random,
  ) {
    this.config = config;
    this.store = store;
    this.peers = peers;
    this.now = now;
    this.random = random;
    this.id = config.nodeId;
    this.members = [this.id, ...peers.map((p) => p.name)];
    this.order = ringOrder(this.members);
    this.table = initialTable(this.members, now());
  }

  get clusterSize(): number {
    return this.members.length;
  }

  /** Loads the durable state, replays unapplied entries lazily, and starts the timers. */
  async start(): Promise<void> {
    // Start-up reads are idempotent: a Redis slow for a moment (a busy machine) is retried, not fatal.
    for (let attempt = 1; ; attempt++) {
      try {
        this.election = await this.store.loadElection();
        this.log = await this.store.loadLog();
        this.lastApplied = Math.min(await this.store.loadApplied(), this.log.length);
        break;
      } catch (error) {
        if (attempt >= startAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    // Entries up to lastApplied were committed once; commit index is volatile in Raft and is relearned.
    this.commitIndex = this.lastApplied;
    this.rebuildTips();
    this.resetElectionDeadline();
    this.ticker = setInterval(
      () => this.tick(),
      Math.max(5, Math.floor(this.config.heartbeatIntervalMs / 4)),
    );
    this.beater = setInterval(() => this.heartbeatRound(), this.config.heartbeatIntervalMs);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the port's stop is async (etcd closes a client)
  async stop(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.ticker);
    clearInterval(this.beater);
    this.failWaiters('the node is shutting down');
  }

  onEvent(listener: (event: RingEventName, payload: unknown) => void): void {
    this.listeners.push(listener);
  }

  private emit<K extends RingEventName>(event: K, payload: RingLiveEvents[K]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  onMessages(listener: (messages: readonly ProtocolMessage[]) => void): void {
    this.messageListeners.push(listener);
  }

  /** One protocol step's messages, sent or received here: the trace and the live view hear of them. */
  private traceMessages(messages: readonly ProtocolMessage[]): void {
    if (messages.length === 0) return;
    for (const listener of this.messageListeners) listener(messages);
  }

  private progress(): NodeProgress {
    return {
      term: this.election.currentTerm,
      role: this.role,
      commitIndex: this.commitIndex,
      lastLogIndex: this.log.length,
    };
  }

  // ---------------------------------------------------------------- views

  status(): EngineStatus {
    const now = this.now();
    return {
      id: this.id,
      engine: 'raft',
      role: this.role,
      term: this.election.currentTerm,
      votedFor: this.election.votedFor,
      leaderId: this.leaderId,
      commitIndex: this.commitIndex,
      lastApplied: this.lastApplied,
      lastLogIndex: this.log.length,
      lastWrite: this.lastWrite,
      suspects: this.members.filter((m) => m !== this.id && this.stateOf(m, now) !== 'alive'),
    };
  }

  ring(): RingView {
    const now = this.now();
    return {
      self: this.id,
      term: this.election.currentTerm,
      leaderId: this.leaderId,
      members: this.order.map((id) => {
        const view = this.table[id];
        return {
          id,
          url: this.peers.find((p) => p.name === id)?.url ?? null,
          state: this.stateOf(id, now),
          heartbeatAgeMs: view ? Math.round(heartbeatAgeMs(view, now)) : null,
          isLeader: id === this.leaderId,
          isSelf: id === this.id,
          progress: id === this.id ? this.progress() : (this.progressHeard.get(id) ?? null),
        };
      }),
    };
  }

  leaderSightings(): readonly LeaderSighting[] {
    return this.sightings;
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.tally };
  }

  /** Raft's facts are all in memory: the sightings, the commit index and this node's log. */
  checkFacts(): Promise<RingFacts> {
    return Promise.resolve({
      leaderSightings: this.sightings,
      commitIndex: this.commitIndex,
      entryTermAt: (index: number) => this.entryTermAt(index),
    });
  }

  /** Only the leader orders writes and answers linearizable reads; a follower forwards. */
  get canServe(): boolean {
    return this.role === 'leader';
  }

  get committed(): number {
    return this.commitIndex;
  }

  entryTermAt(index: number): number | undefined {
    return index === 0 ? undefined : termAt(this.log, index);
  }

  get currentLeader(): string | null {
    return this.leaderId;
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  peer(name: string): PeerLink | undefined {
    return this.peers.find((p) => p.name === name);
  }

  private stateOf(id: string, now: number): MemberState {
    if (id === this.id) return 'alive';
    const view = this.table[id];
    return view ? memberState(view, now, this.config.failureTimeoutMs) : 'dead';
  }

  // ---------------------------------------------------------------- timers

  private tick(): void {
    if (this.isStopped) return;
    const now = this.now();
    this.detectFailures(now);
    if (this.lastApplied < this.commitIndex) this.applyCommitted();
    if (this.role === 'leader') {
      // CheckQuorum: a leader that cannot hear a majority steps down, so a minority side refuses writes.
      if (!this.hasQuorumContact(now)) {
        this.tally.stepDowns += 1;
        this.becomeFollower(null);
      }
      return;
    }
    if (now >= this.electionDeadline && !this.isElecting) {
      this.isElecting = true;
      void this.runElection()
        .catch(() => undefined)
        .finally(() => (this.isElecting = false));
    }
  }

  private detectFailures(now: number): void {
    for (const id of this.members) {
      if (id === this.id) continue;
      const state = this.stateOf(id, now);
      const before = this.memberStates.get(id) ?? 'alive';
      if (state === before) continue;
      this.memberStates.set(id, state);
      if (state === 'suspect') this.tally.suspicions += 1;
      if (state === 'dead') this.tally.deathsDetected += 1;
      const view = this.table[id];
      this.emit('member:state', {
        id,
        state,
        heartbeatAgeMs: view ? Math.round(heartbeatAgeMs(view, now)) : 0,
      });
    }
  }

  /** Gossip to the ring successors (push-pull) and, when leading, AppendEntries to every follower. */
  private heartbeatRound(): void {
    if (this.isStopped) return;
    this.table = beat(this.table, this.id, this.now());
    for (const to of successorsOf(this.order, this.id, this.config.monitorSuccessors)) {
      const peer = this.peer(to);
      if (!peer) continue;
      const message: HeartbeatMessage = {
        from: this.id,
        gossip: gossipOf(this.table),
        progress: this.progress(),
      };
      this.traceMessages([gossip(this.id, to, false, message.gossip[this.id])]);
      void peer
        .send<HeartbeatMessage>('POST', '/internal/heartbeats', message, this.config.rpcTimeoutMs)
        .then((reply) => {
          if (reply.kind === 'ok' && reply.status === 200 && reply.body?.gossip) {
            this.table = mergeGossip(this.table, reply.body.gossip, this.now());
            if (reply.body.progress) this.progressHeard.set(to, reply.body.progress);
            this.traceMessages([gossip(to, this.id, true, reply.body.gossip[to])]);
          } else this.tally.heartbeatsFailed += 1;
        });
    }
    if (this.role === 'leader') for (const peer of this.peers) this.replicateTo(peer);
  }

  private resetElectionDeadline(): void {
    this.electionDeadline =
      this.now() +
      electionTimeoutMs(this.config.electionTimeoutMinMs, this.config.electionTimeoutMaxMs, this.random());
  }

  private hasQuorumContact(now: number): boolean {
    const fresh = this.peers.filter(
      (p) => now - (this.lastAckAt.get(p.name) ?? -Infinity) <= this.config.electionTimeoutMaxMs,
    ).length;
    return fresh + 1 >= majority(this.clusterSize);
  }

  // ---------------------------------------------------------------- gossip

  handleHeartbeat(message: HeartbeatMessage): HeartbeatMessage {
    this.table = mergeGossip(this.table, message.gossip, this.now());
    if (message.progress) this.progressHeard.set(message.from, message.progress);
    const reply: HeartbeatMessage = {
      from: this.id,
      gossip: gossipOf(this.table),
      progress: this.progress(),
    };
    this.traceMessages([
      gossip(message.from, this.id, false, message.gossip[message.from]),
      gossip(this.id, message.from, true, reply.gossip[this.id]),
    ]);
    return reply;
  }

  // ---------------------------------------------------------------- election

  private async runElection(): Promise<void> {
    const term = await this.queue.run(async () => {
      if (this.role === 'leader' || this.now() < this.electionDeadline) return null;
      const next = startElection(this.election, this.id);
      await this.store.saveElection(next);
      this.election = next;
      this.role = 'candidate';
      this.leaderId = null;
      this.tally.electionsStarted += 1;
      this.resetElectionDeadline();
      this.emitRole();
      return next.currentTerm;
    });
    if (term === null) return;
    this.emit('vote:requested', { candidateId: this.id, term });
    const request: VoteRequest = { term, candidateId: this.id, ...lastPosition(this.log) };
    this.traceMessages(this.peers.map((peer) => requestVote(peer.name, request)));
    let votes = 1;
    await Promise.all(
      this.peers.map(async (peer) => {
        const reply = await peer.send<VoteReply>(
          'POST',
          '/internal/votes',
          request,
          this.config.rpcTimeoutMs,
        );
        if (reply.kind !== 'ok' || reply.status !== 200 || !reply.body) return;
        this.traceMessages([voteAnswer(peer.name, this.id, term, reply.body)]);
        if (reply.body.term > this.election.currentTerm) {
          await this.adoptTerm(reply.body.term);
          return;
        }
        if (!reply.body.granted || this.role !== 'candidate' || this.election.currentTerm !== term) return;
        votes += 1;
        if (votes >= majority(this.clusterSize)) await this.becomeLeader(term);
      }),
    );
  }

  private async becomeLeader(term: number): Promise<void> {
    await this.queue.run(async () => {
      if (this.role !== 'candidate' || this.election.currentTerm !== term) return;
      this.role = 'leader';
      this.leaderId = this.id;
      this.tally.electionsWon += 1;
      this.recordSighting(term, this.id);
      const now = this.now();
      for (const peer of this.peers) {
        this.nextIndex.set(peer.name, this.log.length + 1);
        this.matchIndex.set(peer.name, 0);
        // A fresh leader gets one election timeout of grace before CheckQuorum may depose it.
        this.lastAckAt.set(peer.name, now);
        this.ackedSeq.delete(peer.name);
      }
      this.emitRole();
      // A no-op of its own term lets it commit, and so learn the commit index (Raft 8).
      await this.appendLocal({ type: 'noop' });
    });
    for (const peer of this.peers) this.replicateTo(peer);
  }

  /** RequestVote, voter's side: the decision is persisted before the answer leaves. */
  async handleVote(request: VoteRequest): Promise<VoteReply> {
    const reply = await this.queue.run(async (): Promise<VoteReply> => {
      const decision = decideVote(this.election, lastPosition(this.log), request);
      if (decision.next !== this.election) {
        await this.store.saveElection(decision.next);
        const isNewTerm = decision.next.currentTerm > this.election.currentTerm;
        this.election = decision.next;
        if (isNewTerm) this.becomeFollower(null);
      }
      this.emit('vote:cast', {
        voter: this.id,
        candidateId: request.candidateId,
        term: request.term,
        granted: decision.granted,
      });
      if (decision.granted) {
        this.tally.votesGranted += 1;
        this.resetElectionDeadline();
        return { term: this.election.currentTerm, granted: true };
      }
      this.tally.votesRefused += 1;
      return { term: this.election.currentTerm, granted: false, reason: decision.reason };
    });
    this.traceMessages([
      requestVote(this.id, request),
      voteAnswer(this.id, request.candidateId, request.term, reply),
    ]);
    return reply;
  }

  /** A higher term seen in any reply: adopt it (durably) and follow. */
  private async adoptTerm(term: number): Promise<void> {
    await this.queue.run(async () => {
      const next = observeTerm(this.election, term);
      if (next === this.election) return;
      await this.store.saveElection(next);
      this.election = next;
      if (this.role === 'leader') this.tally.stepDowns += 1;
      this.becomeFollower(null);
    });
  }

  private becomeFollower(leaderId: string | null): void {
    const changed = this.role !== 'follower' || this.leaderId !== leaderId;
    if (this.role === 'leader') this.failWaiters('leadership lost before the write was committed');
    this.role = 'follower';
    this.leaderId = leaderId;
    this.inFlight.clear();
    this.wantsResend.clear();
    this.resetElectionDeadline();
    if (changed) this.emitRole();
  }

  private emitRole(): void {
    this.emit('node:role', {
      id: this.id,
      role: this.role,
      term: this.election.currentTerm,
      leaderId: this.leaderId,
    });
  }

  private recordSighting(term: number, leaderId: string): void {
    const last = this.sightings[this.sightings.length - 1];
    if (last && last.term === term && last.leaderId === leaderId) return;
    this.sightings.push({ term, leaderId });
    if (this.sightings.length > maxSightings) this.sightings.shift();
  }

  // ---------------------------------------------------------------- replication (leader side)

  private async appendLocal(command: Command): Promise<LogEntry> {
    const entry: LogEntry = { index: this.log.length + 1, term: this.election.currentTerm, command };
    await this.store.appendLog(null, [entry]);
    this.log.push(entry);
    this.tally.entriesAppended += 1;
    this.noteTip(entry);
    this.emitAppended(entry);
    this.advanceCommit();
    return entry;
  }

  /**
   * The leader's write path: order the write as a log entry stamped with its
   * clock, replicate, and resolve once a majority stores it and it is applied.
   */
  async propose(key: string, value: string | null): Promise<Proposed> {
    if (this.role !== 'leader') throw this.noQuorum('this node is not the leader');
    if (!this.hasQuorumContact(this.now())) {
      throw this.noQuorum('the leader has not heard from a majority within the election timeout');
    }
    const { entry, replaces } = await new Promise<Placed>((resolve, reject) => {
      this.proposals.push({ key, value, resolve, reject });
      this.flushProposals();
    });
    const committed = new Promise<void>((resolve, reject) => {
      this.commitWaiters.set(entry.index, { term: entry.term, resolve, reject });
    });
    // Already committed and applied (a one-node ring): nothing to wait for.
    if (this.lastApplied >= entry.index) this.commitWaiters.get(entry.index)?.resolve();
    for (const peer of this.peers) this.replicateTo(peer);
    await withTimeout(
      committed,
      this.config.writeTimeoutMs,
      () =>
        new AppError(
          'COMMIT_UNKNOWN',
          `No majority stored entry ${entry.index} within ${this.config.writeTimeoutMs} ms; it may still commit.`,
          { extras: { index: entry.index, term: entry.term } },
        ),
    ).finally(() => this.commitWaiters.delete(entry.index));
    const command = entry.command;
    return {
      term: entry.term,
      index: entry.index,
      clock: command.type === 'noop' ? {} : command.clock,
      replaces,
    };
  }

  /**
   * Group commit: every write waiting when the queue gets to it is stamped and
   * appended with one RPUSH, so 50 concurrent writes cost one Redis round trip,
   * not 50 in a row.
   */
  private flushProposals(): void {
    if (this.isFlushing) return;
    this.isFlushing = true;
    void this.queue
      .run(async () => {
        while (this.proposals.length > 0) {
          const batch = this.proposals.splice(0, this.config.maxBatchEntries);
          if (this.role !== 'leader') {
            for (const p of batch)
              p.reject(this.noQuorum('leadership was lost before the write was ordered'));
            continue;
          }
          const entries: LogEntry[] = [];
          const replaced: (Replaced | null)[] = [];
          for (const { key, value } of batch) {
            const index = this.log.length + entries.length + 1;
            const tip = this.tips.get(key);
            replaced.push(tip ? { index: tip.index, clock: toJSON(tip.clock) } : null);
            const clock = toJSON(stampWrite(tip?.clock, this.id, index));
            const command: Command =
              value === null ? { type: 'delete', key, clock } : { type: 'put', key, value, clock };
            const entry: LogEntry = { index, term: this.election.currentTerm, command };
            entries.push(entry);
            this.noteTip(entry);
          }
          try {
            await this.store.appendLog(null, entries);
          } catch (error) {
            this.rebuildTips();
            await this.repairLog();
            for (const p of batch) p.reject(error);
            continue;
          }
          this.log.push(...entries);
          this.tally.entriesAppended += entries.length;
          entries.forEach((entry, i) => {
            this.emitAppended(entry);
            batch[i]?.resolve({ entry, replaces: replaced[i] ?? null });
          });
          this.advanceCommit();
        }
      })
      .finally(() => {
        this.isFlushing = false;
        if (this.proposals.length > 0) this.flushProposals();
      });
  }

  /**
   * After a failed or timed-out append, Redis may or may not hold the new
   * entries: cut its list back to what memory holds so positions and indexes
   * keep matching. If even that fails, stop leading.
   */
  private async repairLog(): Promise<void> {
    try {
      await this.store.truncateLog(this.log.length);
    } catch {
      if (this.role === 'leader') this.becomeFollower(null);
    }
  }

  /** Sends the next batch to one follower; one request in flight per follower, re-sent when asked meanwhile. */
  private replicateTo(peer: PeerLink): void {
    if (this.role !== 'leader' || this.isStopped) return;
    if (this.inFlight.has(peer.name)) {
      this.wantsResend.add(peer.name);
      return;
    }
    this.inFlight.add(peer.name);
    this.wantsResend.delete(peer.name);
    const term = this.election.currentTerm;
    const next = this.nextIndex.get(peer.name) ?? this.log.length + 1;
    const prevLogIndex = next - 1;
    const entries = this.log.slice(prevLogIndex, prevLogIndex + this.config.maxBatchEntries);
    const request: AppendRequest = {
      term,
      leaderId: this.id,
      prevLogIndex,
      prevLogTerm: termAt(this.log, prevLogIndex) ?? 0,
      entries,
      leaderCommit: this.commitIndex,
    };
    const seq = ++this.sendSeq;
    this.traceMessages([appendEntries(peer.name, request)]);
    void peer
      .send<AppendReply>('POST', '/internal/append-entries', request, this.config.rpcTimeoutMs)
      .then(async (reply) => {
        this.inFlight.delete(peer.name);
        if (this.role !== 'leader' || this.election.currentTerm !== term) return;
        if (reply.kind !== 'ok' || reply.status !== 200 || !reply.body) return;
        const body = reply.body;
        this.traceMessages([appendAck(peer.name, request, body)]);
        if (body.term > term) {
          await this.adoptTerm(body.term);
          return;
        }
        this.lastAckAt.set(peer.name, this.now());
        this.ackedSeq.set(peer.name, Math.max(this.ackedSeq.get(peer.name) ?? 0, seq));
        this.settleReads();
        if (body.success) {
          const match = body.matchIndex ?? prevLogIndex + entries.length;
          if (match > (this.matchIndex.get(peer.name) ?? 0)) {
            this.matchIndex.set(peer.name, match);
            this.emit('entry:replicated', { to: peer.name, matchIndex: match });
          }
          this.nextIndex.set(peer.name, match + 1);
          this.advanceCommit();
        } else {
          this.nextIndex.set(peer.name, Math.max(1, Math.min(body.retryFrom ?? prevLogIndex, prevLogIndex)));
        }
        const hasMore = (this.nextIndex.get(peer.name) ?? 0) <= this.log.length;
        if (hasMore || this.wantsResend.has(peer.name)) this.replicateTo(peer);
      })
      .catch(() => this.inFlight.delete(peer.name));
  }

  private advanceCommit(): void {
    if (this.role !== 'leader') return;
    const matches = [this.log.length, ...this.peers.map((p) => this.matchIndex.get(p.name) ?? 0)];
    const next = leaderCommitIndex(matches, this.log, this.election.currentTerm, this.commitIndex);
    if (next > this.commitIndex) {
      this.commitIndex = next;
      this.applyCommitted();
    }
  }

  // ---------------------------------------------------------------- replication (follower side)

  async handleAppend(request: AppendRequest): Promise<AppendReply> {
    const reply = await this.queue.run(async (): Promise<AppendReply> => {
      if (request.term < this.election.currentTerm) {
        return { term: this.election.currentTerm, success: false };
      }
      const next = observeTerm(this.election, request.term);
      if (next !== this.election) {
        await this.store.saveElection(next);
        this.election = next;
      }
      if (this.role !== 'follower' || this.leaderId !== request.leaderId) {
        if (this.role === 'leader') this.tally.stepDowns += 1;
        this.becomeFollower(request.leaderId);
      }
      this.recordSighting(request.term, request.leaderId);
      this.resetElectionDeadline();
      const plan = planAppend(this.log, request.prevLogIndex, request.prevLogTerm, request.entries);
      if (!plan.ok) return { term: this.election.currentTerm, success: false, retryFrom: plan.retryFrom };
      if (plan.truncateFrom !== null || plan.append.length > 0) {
        try {
          await this.store.appendLog(plan.truncateFrom, plan.append);
        } catch (error) {
          await this.repairLog();
          throw error;
        }
        if (plan.truncateFrom !== null) this.log.length = plan.truncateFrom - 1;
        this.log.push(...plan.append);
        if (plan.truncateFrom !== null) this.rebuildTips();
        else for (const entry of plan.append) this.noteTip(entry);
        for (const entry of plan.append) this.emitAppended(entry);
      }
      const commit = followerCommitIndex(this.commitIndex, request.leaderCommit, plan.lastNewIndex);
      if (commit > this.commitIndex) {
        this.commitIndex = commit;
        this.applyCommitted();
      }
      return { term: this.election.currentTerm, success: true, matchIndex: plan.lastNewIndex };
    });
    this.traceMessages([
      appendEntries(this.id, request),
      appendAck(this.id, request, reply, this.commitIndex),
    ]);
    return reply;
  }

  // ---------------------------------------------------------------- apply and read

  /** Applies committed entries in order, one batch at a time, then wakes waiting writes and reads. */
  private applyCommitted(): void {
    if (this.isApplying) return;
    this.isApplying = true;
    void this.applyLoop().finally(() => {
      this.isApplying = false;
    });
  }

  private async applyLoop(): Promise<void> {
    while (this.lastApplied < this.commitIndex && !this.isStopped) {
      // Small batches keep each MULTI well inside the Redis command timeout.
      const batch = this.log.slice(this.lastApplied, Math.min(this.commitIndex, this.lastApplied + 128));
      try {
        await this.store.apply(batch);
      } catch {
        // Redis down or slow: applying is idempotent, so the ticker simply tries again.
        return;
      }
      this.lastApplied = batch[batch.length - 1]?.index ?? this.lastApplied;
      this.tally.entriesCommitted += batch.length;
      for (const entry of batch) this.afterApply(entry);
      this.applyWaiters = this.applyWaiters.filter((w) => {
        if (w.index > this.lastApplied) return true;
        w.resolve();
        return false;
      });
    }
  }

  private afterApply(entry: LogEntry): void {
    const command = entry.command;
    if (command.type !== 'noop') {
      this.lastWrite = { key: command.key, index: entry.index, term: entry.term, clock: command.clock };
    }
    this.emit('entry:committed', {
      index: entry.index,
      term: entry.term,
      key: command.type === 'noop' ? null : command.key,
      value: command.type === 'put' ? command.value : null,
      clock: command.type === 'noop' ? null : command.clock,
    });
    const waiter = this.commitWaiters.get(entry.index);
    if (!waiter) return;
    if (waiter.term === entry.term) waiter.resolve();
    else waiter.reject(this.commitUnknown(entry.index, 'its entry was replaced by another leader'));
  }

  /**
   * A linearizable read (Raft's ReadIndex): note the commit index, confirm
   * with a majority that this node is still the leader, wait until applied,
   * then read locally. No log write needed.
   */
  async readLinearizable(key: string): Promise<StoredVersion | undefined> {
    if (this.role !== 'leader') throw this.noQuorum('this node is not the leader');
    const term = this.election.currentTerm;
    // Until an entry of its own term is committed, a new leader does not know the commit index.
    if (termAt(this.log, this.commitIndex) !== term) {
      await this.waitFor(
        () => termAt(this.log, this.commitIndex) === term,
        'its first entry is not committed yet',
      );
    }
    const readIndex = this.commitIndex;
    // Only requests sent after this point can confirm: a reply to an older one may predate the read.
    const since = this.sendSeq + 1;
    const confirmed = new Promise<void>((resolve) => this.readWaiters.push({ since, resolve }));
    for (const peer of this.peers) this.replicateTo(peer);
    this.settleReads();
    await withTimeout(confirmed, this.config.electionTimeoutMaxMs, () =>
      this.noQuorum('a majority did not confirm this leader in time'),
    );
    if (this.role !== 'leader' || this.election.currentTerm !== term) {
      throw this.noQuorum('leadership was lost during the read');
    }
    if (this.lastApplied < readIndex) {
      await new Promise<void>((resolve) => this.applyWaiters.push({ index: readIndex, resolve }));
    }
    return this.store.read(key);
  }

  /** The local replica's version, whatever its age. */
  async readLocal(key: string): Promise<StoredVersion | undefined> {
    return this.store.read(key);
  }

  private settleReads(): void {
    if (this.readWaiters.length === 0) return;
    const needed = majority(this.clusterSize) - 1;
    this.readWaiters = this.readWaiters.filter((w) => {
      const confirmations = this.peers.filter((p) => (this.ackedSeq.get(p.name) ?? 0) >= w.since).length;
      if (confirmations < needed) return true;
      w.resolve();
      return false;
    });
  }

  private async waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = this.now() + this.config.electionTimeoutMaxMs;
    while (!condition()) {
      if (this.now() > deadline || this.role !== 'leader') throw this.noQuorum(what);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ---------------------------------------------------------------- helpers

  private noteTip(entry: LogEntry): void {
    if (entry.command.type === 'noop') return;
    this.tips.set(entry.command.key, { clock: fromJSON(entry.command.clock), index: entry.index });
  }

  private rebuildTips(): void {
    this.tips = new Map();
    for (const entry of this.log) this.noteTip(entry);
  }

  private emitAppended(entry: LogEntry): void {
    const command = entry.command;
    this.emit('entry:appended', {
      index: entry.index,
      term: entry.term,
      key: command.type === 'noop' ? null : command.key,
      clock: command.type === 'noop' ? null : command.clock,
    });
  }

  private failWaiters(reason: string): void {
    for (const [index, waiter] of this.commitWaiters) waiter.reject(this.commitUnknown(index, reason));
    this.commitWaiters.clear();
  }

  private commitUnknown(index: number, reason: string): AppError {
    return new AppError('COMMIT_UNKNOWN', `Entry ${index}: ${reason}; it may or may not be committed.`, {
      extras: { index },
    });
  }

  private noQuorum(reason: string): AppError {
    return new AppError('NO_QUORUM', `${this.id}: ${reason}.`, {
      extras: { node: this.id, leaderId: this.leaderId, term: this.election.currentTerm },
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

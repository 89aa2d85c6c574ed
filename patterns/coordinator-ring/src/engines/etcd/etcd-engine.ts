import { ClientClosedError, Etcd3 } from 'etcd3';
import type { Namespace } from 'etcd3';

import { fromJSON, toJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClockJson } from '@kvs-lab/shared/vector-clock';
import type { PeerLink } from '../../cluster/peer-link.ts';
import type { RingConfig } from '../../config.ts';
import type { Role } from '../../domain/election.ts';
import type { LeaderSighting, RingFacts } from '../../check/ring-check.ts';
import { ringOrder } from '../../domain/ring-order.ts';
import { stampWrite } from '../../domain/write-clock.ts';
import type { RingEventName, RingLiveEvents } from '../../realtime/events.ts';
import type { EngineStatus, Proposed, RingEngine, RingView, StoredVersion } from '../ring-engine.ts';
import { etcdKeys } from './etcd-keys.ts';
import { EtcdLeadership } from './etcd-leadership.ts';
import type { EtcdCounters } from './etcd-leadership.ts';
import { AppError } from '../../errors.ts';

/** What a value looks like in etcd: the clock travels with it, as in the Raft engine's log entries. */
interface EtcdValue {
  readonly value: string | null;
  readonly clock: VectorClockJson;
}

/** A write races other writers of the same key with compare-and-swap; past this many lost races it gives up. */
const maxCasAttempts = 20;

/**
 * The ring on etcd: etcd's own Raft replicates and orders every write, the
 * service instances only elect a leader among themselves with etcd's election
 * API (campaign and observe, on a lease), and each instance keeps a lease-bound
 * member key so that the others see it alive. As on the Raft engine, the
 * elected instance serves the clients and the others forward to it, so that
 * its /check sees every operation; etcd, not the election, keeps the data
 * safe: two instances that both believed they led would still be linearized.
 *
 * The mapping to the hand-made engine: term = the leader key's create
 * revision (unique per campaign win, growing); index = the etcd revision of a
 * write; commit index = the newest revision this instance has seen.
 */
export class EtcdEngine implements RingEngine {
  readonly id: string;
  readonly members: readonly string[];
  readonly peers: readonly PeerLink[];

  private readonly client: Etcd3;
  private readonly ns: Namespace;
  private readonly leadership: EtcdLeadership;
  private revision = 0;
  private lastWrite: EngineStatus['lastWrite'] = null;
  private readonly tally: EtcdCounters = {
    campaignsStarted: 0,
    electionsWon: 0,
    leaderChanges: 0,
    writesCommitted: 0,
    casRetries: 0,
    etcdErrors: 0,
  };
  private listeners: ((event: RingEventName, payload: unknown) => void)[] = [];
  private readonly keyQueues = new Map<string, Promise<unknown>>();

  constructor(config: RingConfig, endpoints: readonly string[], peers: readonly PeerLink[]) {
    this.id = config.nodeId;
    this.peers = peers;
    this.members = ringOrder([this.id, ...peers.map((p) => p.name)]);
    this.client = new Etcd3({
      hosts: [...endpoints],
      // Unary calls get the write deadline; streams (watches, keepalives) live on.
      defaultCallOptions: (context) =>
        context.isStream ? {} : { deadline: Date.now() + config.writeTimeoutMs },
    });
    this.ns = this.client.namespace(etcdKeys.prefix);
    this.leadership = new EtcdLeadership(this.ns, config, this.members, {
      tally: this.tally,
      noteRevision: (revision) => this.noteRevision(revision),
      emit: (event, payload) => this.emit(event, payload),
    });
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    await this.leadership.start();
  }

  async stop(): Promise<void> {
    await this.leadership.stop();
    this.client.close();
  }

  /** /readyz: a linearizable read needs a majority of etcd members. */
  async ping(): Promise<void> {
    const result = await this.ns.get(etcdKeys.member(this.id)).exec();
    this.noteRevision(result.header.revision);
  }

  // ---------------------------------------------------------------- views

  get role(): Role {
    return this.leadership.role;
  }

  private get leaderId(): string | null {
    return this.leadership.leaderId;
  }

  private get term(): number {
    return this.leadership.term;
  }

  private get alive(): ReadonlySet<string> {
    return this.leadership.alive;
  }

  get isLeader(): boolean {
    return this.leaderId === this.id;
  }

  /** The elected instance serves; the others forward to it (one recorded history, as on Raft). */
  get canServe(): boolean {
    return this.isLeader;
  }

  get currentLeader(): string | null {
    return this.leaderId;
  }

  peer(name: string): PeerLink | undefined {
    return this.peers.find((p) => p.name === name);
  }

  status(): EngineStatus {
    return {
      id: this.id,
      engine: 'etcd',
      role: this.role,
      term: this.term,
      // Votes are etcd's members' business; an instance only campaigns.
      votedFor: null,
      leaderId: this.leaderId,
      commitIndex: this.revision,
      lastApplied: this.revision,
      lastLogIndex: this.revision,
      lastWrite: this.lastWrite,
      suspects: this.members.filter((m) => m !== this.id && !this.alive.has(m)),
    };
  }

  ring(): RingView {
    return {
      self: this.id,
      term: this.term,
      leaderId: this.leaderId,
      members: this.members.map((id) => ({
        id,
        url: this.peer(id)?.url ?? null,
        state: id === this.id || this.alive.has(id) ? 'alive' : 'dead',
        // Liveness is a lease in etcd, not a heartbeat age this instance could measure.
        heartbeatAgeMs: null,
        isLeader: id === this.leaderId,
        isSelf: id === this.id,
        // The instances do not gossip: only this one's position is known (the revision it has seen).
        progress:
          id === this.id
            ? { term: this.term, role: this.role, commitIndex: this.revision, lastLogIndex: this.revision }
            : null,
      })),
    };
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.tally };
  }

  leaderSightings(): readonly LeaderSighting[] {
    return this.leadership.sightings;
  }

  onEvent(listener: (event: RingEventName, payload: unknown) => void): void {
    this.listeners.push(listener);
  }

  /** Votes and heartbeats happen inside etcd, out of this instance's sight: it has no messages to trace. */
  onMessages(): void {}

  // ---------------------------------------------------------------- reads and writes

  /**
   * Read the key's version, stamp the new clock on top of it, and write only
   * if nobody wrote the key meanwhile (a transaction comparing its
   * mod_revision): every version descends the one it replaced, as under one
   * Raft leader. etcd answers once its own Raft has committed the write.
   */
  propose(key: string, value: string | null): Promise<Proposed> {
    // Writes to one key from this instance go one after another: 50 concurrent compare-and-swaps on a hot
    // key would mostly lose to each other (measured: 6 writes/s). Other instances can still race; CAS decides.
    const previous = this.keyQueues.get(key) ?? Promise.resolve();
    const next = previous.then(
      () => this.casWrite(key, value),
      () => this.casWrite(key, value),
    );
    const settled = next.catch(() => undefined);
    this.keyQueues.set(key, settled);
    void settled.then(() => {
      if (this.keyQueues.get(key) === settled) this.keyQueues.delete(key);
    });
    return next;
  }

  private async casWrite(key: string, value: string | null): Promise<Proposed> {
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      const current = await this.readRaw(key, false);
      const previousClock = current?.stored.clock;
      const clock = toJSON(
        stampWrite(previousClock ? fromJSON(previousClock) : undefined, this.id, current?.header ?? 0),
      );
      const body: EtcdValue = { value, clock };
      let result;
      try {
        result = await this.ns
          .if(etcdKeys.kv(key), 'Mod', '==', current?.modRevision ?? 0)
          .then(this.ns.put(etcdKeys.kv(key)).value(JSON.stringify(body)))
          .commit();
      } catch (error) {
        this.tally.etcdErrors += 1;
        // Refused before it left this process: nothing happened. Anything else (a timeout, a member lost
        // mid-call) may have reached etcd's leader and committed.
        if (error instanceof ClientClosedError) throw this.noQuorum(error);
        throw new AppError(
          'COMMIT_UNKNOWN',
          `etcd did not confirm the write of "${key}": ${describe(error)}.`,
          {
            extras: { key },
          },
        );
      }
      if (!result.succeeded) {
        this.tally.casRetries += 1;
        continue;
      }
      const index = Number(result.header.revision);
      const term = Number(result.header.raft_term);
      this.noteRevision(result.header.revision);
      this.tally.writesCommitted += 1;
      this.lastWrite = { key, index, term, clock };
      this.emit('entry:committed', { index, term, key, value, clock });
      return {
        term,
        index,
        clock,
        replaces: current ? { index: current.modRevision, clock: current.stored.clock } : null,
      };
    }
    throw new AppError(
      'NO_QUORUM',
      `Gave up writing "${key}": ${maxCasAttempts} concurrent writers won the race.`,
      {
        extras: { key },
      },
    );
  }

  async readLinearizable(key: string): Promise<StoredVersion | undefined> {
    return (await this.readRaw(key, false))?.stored;
  }

  /** Serializable: the nearest member answers from its own copy, without asking a majority. */
  async readLocal(key: string): Promise<StoredVersion | undefined> {
    return (await this.readRaw(key, true))?.stored;
  }

  private async readRaw(
    key: string,
    isSerializable: boolean,
  ): Promise<{ stored: StoredVersion; modRevision: number; header: number } | undefined> {
    let result;
    try {
      result = await this.ns.get(etcdKeys.kv(key)).serializable(isSerializable).exec();
    } catch (error) {
      this.tally.etcdErrors += 1;
      throw this.noQuorum(error);
    }
    this.noteRevision(result.header.revision);
    const kv = result.kvs[0];
    if (!kv) return undefined;
    const parsed = JSON.parse(kv.value.toString()) as EtcdValue;
    const modRevision = Number(kv.mod_revision);
    return {
      stored: {
        value: parsed.value,
        clock: parsed.clock,
        term: Number(result.header.raft_term),
        index: modRevision,
      },
      modRevision,
      header: Number(result.header.revision),
    };
  }

  /**
   * An acknowledged write is durable if etcd still holds that key's version
   * at the acknowledged revision: reading the key "as of" that revision must
   * find a version modified exactly there.
   */
  async checkFacts(
    acknowledged: readonly { key: string; index: number; term: number }[],
  ): Promise<RingFacts> {
    const found = new Map<number, number>();
    for (let i = 0; i < acknowledged.length; i += 50) {
      await Promise.all(
        acknowledged.slice(i, i + 50).map(async ({ key, index, term }) => {
          const result = await this.ns.get(etcdKeys.kv(key)).revision(index).exec();
          if (Number(result.kvs[0]?.mod_revision) === index) found.set(index, term);
        }),
      );
    }
    const head = await this.ns.get(etcdKeys.member(this.id)).exec();
    this.noteRevision(head.header.revision);
    return {
      leaderSightings: this.leadership.sightings,
      commitIndex: this.revision,
      entryTermAt: (index) => found.get(index),
    };
  }

  // ---------------------------------------------------------------- helpers

  private noteRevision(revision: string): void {
    this.revision = Math.max(this.revision, Number(revision));
  }

  private emit<K extends RingEventName>(event: K, payload: RingLiveEvents[K]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  private noQuorum(error: unknown): AppError {
    return new AppError('NO_QUORUM', `${this.id}: etcd did not answer: ${describe(error)}.`, {
      extras: { node: this.id, leaderId: this.leaderId, term: this.term },
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

import type { Campaign, Election, ElectionObserver, Lease, Namespace } from 'etcd3';
import type { RingConfig } from '../../config.ts';
import type { Role } from '../../domain/election.ts';
import type { LeaderSighting } from '../../check/ring-check.ts';
import type { RingEventName, RingLiveEvents } from '../../realtime/events.ts';
import { etcdKeys } from './etcd-keys.ts';

const maxSightings = 1000;

/** The counters leadership and the data path share (the engine's /stats). */
export interface EtcdCounters {
  campaignsStarted: number;
  electionsWon: number;
  leaderChanges: number;
  writesCommitted: number;
  casRetries: number;
  etcdErrors: number;
}

/** What leadership tells the engine it lives in. */
export interface LeadershipHost {
  readonly tally: EtcdCounters;
  noteRevision(revision: string): void;
  emit<K extends RingEventName>(event: K, payload: RingLiveEvents[K]): void;
}

/**
 * Who leads the instances, and who is alive, through etcd: each instance
 * campaigns with its id on a lease and watches the election; each keeps a
 * lease-bound member key. The leader is the campaign key with the lowest
 * create revision, and that revision is its term.
 */
export class EtcdLeadership {
  leaderId: string | null = null;
  term = 0;
  alive = new Set<string>();
  readonly sightings: LeaderSighting[] = [];

  private readonly ns: Namespace;
  private readonly config: RingConfig;
  private readonly members: readonly string[];
  private readonly host: LeadershipHost;
  private readonly election: Election;
  private campaign: Campaign | undefined;
  private observer: ElectionObserver | undefined;
  private memberLease: Lease | undefined;
  private poller: NodeJS.Timeout | undefined;
  private isStopped = false;

  constructor(ns: Namespace, config: RingConfig, members: readonly string[], host: LeadershipHost) {
    this.ns = ns;
    this.config = config;
    this.members = members;
    this.host = host;
    this.election = ns.election(etcdKeys.election, leaseTtlSeconds(config));
  }

  get id(): string {
    return this.config.nodeId;
  }

  get role(): Role {
    return this.leaderId === this.id ? 'leader' : 'follower';
  }

  async start(): Promise<void> {
    await this.announce();
    this.runCampaign();
    await this.observe();
    this.poller = setInterval(
      () => void this.pollMembers(),
      Math.max(100, this.config.heartbeatIntervalMs * 5),
    );
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.poller);
    await this.observer?.cancel().catch(() => undefined);
    await this.campaign?.resign().catch(() => undefined);
    await this.memberLease?.revoke().catch(() => undefined);
  }

  /** The member key lives as long as this instance's lease: a crashed instance disappears after the TTL. */
  private async announce(): Promise<void> {
    const lease = this.ns.lease(leaseTtlSeconds(this.config));
    lease.on('lost', () => {
      if (!this.isStopped) setTimeout(() => void this.announce().catch(() => undefined), 500);
    });
    this.memberLease = lease;
    await lease.put(etcdKeys.member(this.id)).value(this.id).exec();
  }

  /** Campaigns until elected; a campaign whose lease is lost (etcd unreachable) starts over. */
  private runCampaign(): void {
    if (this.isStopped) return;
    this.host.tally.campaignsStarted += 1;
    const campaign = this.election.campaign(this.id);
    this.campaign = campaign;
    campaign.on('elected', () => {
      this.host.tally.electionsWon += 1;
      void this.refreshLeader();
    });
    campaign.on('error', () => {
      this.host.tally.etcdErrors += 1;
      if (this.campaign === campaign) setTimeout(() => this.runCampaign(), 500);
    });
  }

  private async observe(): Promise<void> {
    const observer = await this.election.observe();
    this.observer = observer;
    observer.on('change', () => void this.refreshLeader());
    observer.on('error', () => {
      this.host.tally.etcdErrors += 1;
      if (!this.isStopped) setTimeout(() => void this.observe().catch(() => undefined), 500);
    });
    await this.refreshLeader();
  }

  /** The leader is the campaign key with the lowest create revision: that revision is its term. */
  private async refreshLeader(): Promise<void> {
    try {
      const result = await this.ns
        .getAll()
        .prefix(`${etcdKeys.electionPrefix}`)
        .sort('Create', 'Ascend')
        .limit(1)
        .exec();
      this.host.noteRevision(result.header.revision);
      const kv = result.kvs[0];
      const leaderId = kv ? kv.value.toString() : null;
      const term = kv ? Number(kv.create_revision) : this.term;
      if (leaderId === this.leaderId && term === this.term) return;
      this.leaderId = leaderId;
      this.term = term;
      this.host.tally.leaderChanges += 1;
      if (leaderId !== null) this.recordSighting(term, leaderId);
      this.host.emit('node:role', { id: this.id, role: this.role, term, leaderId });
    } catch {
      this.host.tally.etcdErrors += 1;
    }
  }

  private async pollMembers(): Promise<void> {
    try {
      const result = await this.ns.getAll().prefix(etcdKeys.memberPrefix).exec();
      this.host.noteRevision(result.header.revision);
      const alive = new Set(result.kvs.map((kv) => kv.value.toString()));
      for (const id of this.members) {
        const was = this.alive.has(id);
        const is = alive.has(id);
        if (was !== is) {
          this.host.emit('member:state', { id, state: is ? 'alive' : 'dead', heartbeatAgeMs: 0 });
        }
      }
      this.alive = alive;
      // A leader change can be missed while the observer reconnects; the poll catches it.
      await this.refreshLeader();
    } catch {
      this.host.tally.etcdErrors += 1;
    }
  }

  private recordSighting(term: number, leaderId: string): void {
    this.sightings.push({ term, leaderId });
    if (this.sightings.length > maxSightings) this.sightings.shift();
  }
}

/** etcd leases count in whole seconds: the failure timeout, rounded up, at least 2 s. */
function leaseTtlSeconds(config: RingConfig): number {
  return Math.max(2, Math.ceil(config.failureTimeoutMs / 1000));
}

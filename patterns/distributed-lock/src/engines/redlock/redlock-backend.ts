import { tallyAcquireVotes } from '../../domain/acquire-votes.ts';
import {
  acquireMessages,
  isNewPicture,
  leaseMessages,
  raiseMessages,
  votesOf,
} from '../../domain/attempt-view.ts';
import type { AttemptOutcome, AttemptSummary } from '../../domain/attempt-view.ts';
import type { AcquireDecision } from '../../domain/acquire-votes.ts';
import { leaseLapse } from '../../domain/lease-lapse.ts';
import { tallyExtend, tallyRelease } from '../../domain/lease-replies.ts';
import { summarizeLockView, waiterMember } from '../../domain/lock-view.ts';
import type { LockView } from '../../domain/lock-view.ts';
import { WaitHistogram } from '../../domain/wait-histogram.ts';
import { proposeNext, tallyRaise, tallyRaiseAtLeast } from '../../domain/quorum-counter.ts';
import { quorumSize, validityMs } from '../../domain/quorum.ts';
import { acquireAll } from '../../acquire-all.ts';
import type { LockConfig } from '../../config.ts';
import { newLockStats } from '../../lock-backend.ts';
import type {
  AcquireInput,
  AcquireManyInput,
  Clock,
  Lease,
  LockBackend,
  NodeFigures,
  TraceMessages,
} from '../../lock-backend.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import { keys } from '../../store/keys.ts';
import { QueueSleepers } from './queue-sleepers.ts';
import { refusalError, refusalExtras } from './refusal-errors.ts';
import type { Refusal } from './refusal-errors.ts';
import type { LeaseAnnouncement, LockNodes } from './lock-nodes.ts';
import type { HeardLeaseEvent } from './release-subscriber.ts';
import { AppError } from '../../errors.ts';

type AttemptResult =
  | {
      kind: 'granted';
      token: string;
      fencingToken: number;
      /** What was left of the lease at `measuredAtMs` (monotonic): it keeps running down after. */
      validityMs: number;
      measuredAtMs: number;
      nodes: readonly string[];
    }
  | Exclude<AcquireDecision, { kind: 'granted' }>
  | { kind: 'too-slow'; elapsedMs: number };

/** The last attempt of one caller that was shown: its retries are shown only when something changed. */
interface Shown {
  last?: AttemptSummary;
}

// Only a broken exclusion makes two callers race for one fencing token; a few rounds settle it.
const maxCounterRounds = 10;

/**
 * The lock service as a use case: ask every node, tally the votes, issue a
 * fencing token by quorum, and either answer or wait in the FIFO queue.
 * Every rule it applies lives in domain/; every Redis call in store/.
 */
export class RedlockBackend implements LockBackend {
  readonly stats = newLockStats();
  /** Every wait, cumulative, for the Prometheus histogram (RecentSamples keeps only the last 1,000). */
  readonly waitHistogram = new WaitHistogram();
  /** Waiters in a queue on this instance right now. */
  waiting = 0;

  private readonly config: LockConfig;
  private readonly nodes: LockNodes;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly emit: LiveEmit;
  private readonly trace: TraceMessages;
  /** Leases granted here and not yet released: for expiry events and the history. */
  private readonly leases = new Map<string, Lease>();
  /** Waiters on this instance, by resource: woken when a release is heard. */
  private readonly sleepers = new QueueSleepers();
  private readonly sweeper: NodeJS.Timeout;
  private isSweeping = false;
  /** Extensions already heard (each node announces its own copy). */
  private readonly heardExtensions = new Set<string>();

  constructor(deps: {
    config: LockConfig;
    nodes: LockNodes;
    clock: Clock;
    newId: () => string;
    emit: LiveEmit;
    trace?: TraceMessages;
  }) {
    this.config = deps.config;
    this.nodes = deps.nodes;
    this.clock = deps.clock;
    this.newId = deps.newId;
    this.emit = deps.emit;
    this.trace = deps.trace ?? (() => undefined);
    this.sweeper = setInterval(() => void this.sweepExpired(), 250);
    this.sweeper.unref();
  }

  get quorum(): number {
    return quorumSize(this.nodes.size);
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  nodeFigures(): NodeFigures[] {
    return this.nodes.nodes.map((node) => {
      const s = this.nodes.stats.get(node.name);
      return {
        node: node.name,
        isUp: node.isReady && node.linkState().mode !== 'cut',
        calls: s?.calls ?? 0,
        errors: s?.errors ?? 0,
        lastError: s?.lastError ?? null,
        latencyMs: s?.latencyMs.summary() ?? { count: 0, p50: 0, p99: 0 },
      };
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sleepers.wakeAll();
  }

  /**
   * A release or extension announced on the lock nodes (by this instance or
   * another). A lease granted here and released or extended through another
   * instance must end or move here too, or /check and the expiry count would
   * judge it by a window that no longer exists. Returns the lease when it was
   * granted here and changed by another instance, so the caller can record it.
   */
  heard(event: HeardLeaseEvent): Lease | null {
    if (event.event === 'released') this.sleepers.wakeHead(event.resource);
    if (event.fencingToken === null) return null;
    const entry = [...this.leases].find(
      ([, l]) => l.resource === event.resource && l.fencingToken === event.fencingToken,
    );
    if (!entry) return null;
    const [token, lease] = entry;
    if (event.event === 'released') {
      this.leases.delete(token);
      return event.instance === this.config.instance ? null : lease;
    }
    const key = `${event.resource}|${event.fencingToken}|${event.atMs}`;
    if (this.heardExtensions.has(key)) return null;
    this.heardExtensions.add(key);
    // Bounded: a duplicate arrives within milliseconds of the first copy.
    for (const old of this.heardExtensions) {
      if (this.heardExtensions.size <= 1_000) break;
      this.heardExtensions.delete(old);
    }
    if (event.atMs > lease.expiresAtMs) this.leases.set(token, { ...lease, expiresAtMs: event.atMs });
    return event.instance === this.config.instance ? null : lease;
  }

  private announce(atMs = this.clock.nowMs()): LeaseAnnouncement {
    return { instance: this.config.instance, atMs };
  }

  /** The fencing token of a lease granted here, if it is still known. */
  fencingTokenOf(token: string): number | null {
    return this.leases.get(token)?.fencingToken ?? null;
  }

  /** POST /locks/{resource}: at once (waitMs 0) or after waiting in the FIFO queue. */
  async acquire(input: AcquireInput): Promise<Lease> {
    const started = this.clock.monotonicMs();
    if (input.waitMs === 0) {
      const result = await this.attempt(input.resource, input.ttlMs, input.owner, {});
      if (result.kind === 'granted') return this.granted(input, result, 0);
      throw this.refusal(input, result);
    }
    this.waiting += 1;
    try {
      return await this.acquireInQueue(input, started);
    } finally {
      this.waiting -= 1;
    }
  }

  private async acquireInQueue(input: AcquireInput, started: number): Promise<Lease> {
    const { resource, owner } = input;
    const ticket = await this.issueCounter(keys.ticket(resource), null, resource);
    if (ticket.kind !== 'issued') throw this.refusal(input, ticket);
    const member = waiterMember({ id: this.newId().slice(0, 8), instance: this.config.instance, owner });
    const waiter = { member, ticket: ticket.value };
    const shown: Shown = {};
    this.emit('queue:joined', { resource, waiter: member, owner, ticket: ticket.value });
    const deadline = started + input.waitMs;
    let hasWaited = false;
    let reason: 'granted' | 'timeout' | 'unavailable' | 'error' = 'error';
    try {
      for (;;) {
        const result = await this.attempt(resource, input.ttlMs, owner, shown, waiter);
        if (result.kind === 'granted') {
          // Nodes that did not grant still list us as waiting; clear them so the next waiter is the head.
          const elsewhere = this.nodes.nodes.map((n) => n.name).filter((n) => !result.nodes.includes(n));
          if (elsewhere.length > 0) await this.nodes.dequeue(resource, member, elsewhere);
          // The lease ran down while a slow node was cleared: what is left counts, not what was left.
          const left = Math.floor(result.validityMs - (this.clock.monotonicMs() - result.measuredAtMs));
          if (left <= 0) {
            reason = 'error';
            await this.nodes.release(resource, result.token, this.announce());
            throw this.refusal(input, { kind: 'too-slow', elapsedMs: this.clock.monotonicMs() - started });
          }
          reason = 'granted';
          const waitedMs = this.clock.monotonicMs() - started;
          this.stats.waitMs.add(waitedMs);
          this.waitHistogram.observe(waitedMs);
          return this.granted(input, { ...result, validityMs: left }, waitedMs);
        }
        if (result.kind === 'quorum-unavailable') {
          reason = 'unavailable';
          throw this.refusal(input, result);
        }
        if (!hasWaited) {
          hasWaited = true;
          this.stats.contention += 1;
        }
        const remaining = deadline - this.clock.monotonicMs();
        if (remaining <= 0) {
          reason = 'timeout';
          this.stats.timeouts += 1;
          this.stats.outcomes.timeout += 1;
          throw new AppError(
            'LOCK_WAIT_TIMEOUT',
            `"${resource}" was not granted within waitMs=${input.waitMs}; this waiter left the queue.`,
            { extras: { resource, waitMs: input.waitMs, ...refusalExtras(result) } },
          );
        }
        await this.sleepers.sleep(resource, waiter.ticket, Math.min(this.config.queuePollMs, remaining));
      }
    } finally {
      if (reason !== 'granted') await this.nodes.dequeue(resource, member);
      this.emit('queue:left', { resource, waiter: member, reason });
    }
  }

  /** Shows an attempt in the live view (and its messages in the trace) when it is news. */
  private show(
    shown: Shown,
    attempt: Omit<AttemptSummary, 'outcome' | 'fencingToken' | 'atMs'>,
    outcome: AttemptOutcome,
  ): boolean {
    const summary: AttemptSummary = { ...attempt, outcome, fencingToken: null, atMs: this.clock.nowMs() };
    if (!isNewPicture(shown.last, summary)) return false;
    shown.last = summary;
    return true;
  }

  /**
   * One Redlock round: every node votes, a majority grants, and the nodes that
   * said yes to a failed attempt are released at once (held minority locks
   * would block every other caller until their TTL).
   */
  private async attempt(
    resource: string,
    ttlMs: number,
    owner: string,
    shown: Shown,
    waiter?: { member: string; ticket: number },
  ): Promise<AttemptResult> {
    const token = this.newId();
    const started = this.clock.monotonicMs();
    const votes = await this.nodes.acquire({
      resource,
      token,
      ttlMs,
      owner,
      instance: this.config.instance,
      ...(waiter ? { waiter } : {}),
      queueLeaseMs: this.config.queueLeaseMs,
      restartDelayMs: this.config.restartDelayMs,
    });
    const decision = tallyAcquireVotes(votes, this.nodes.size);
    const attempt = {
      resource,
      owner,
      instance: this.config.instance,
      votes: votesOf(votes),
      needed: this.quorum,
    };
    const first: AttemptOutcome =
      decision.kind === 'granted'
        ? 'granted'
        : decision.kind === 'quorum-unavailable'
          ? 'unavailable'
          : votes.some((v) => v.kind === 'queued') && !votes.some((v) => v.kind === 'held')
            ? 'queued'
            : 'held';
    const isShown = this.show(shown, attempt, first);
    if (isShown) {
      this.trace(
        acquireMessages(
          this.config.instance,
          { resource, owner, ...(waiter ? { ticket: waiter.ticket } : {}) },
          votes,
        ),
      );
    }
    const finish = (outcome: AttemptOutcome, fencingToken: number | null = null) => {
      if (isShown) this.emit('lock:attempt', { ...attempt, outcome, fencingToken, atMs: this.clock.nowMs() });
    };
    const releaseAgain = async (only?: readonly string[]) => {
      const replies = await this.nodes.release(resource, token, this.announce(), only);
      if (isShown) this.trace(leaseMessages(this.config.instance, 'release', resource, replies));
    };
    if (decision.kind !== 'granted') {
      if (decision.grantedBy.length > 0) await releaseAgain(decision.grantedBy);
      finish(first);
      return decision;
    }
    const fencing = await this.issueCounter(
      keys.fencing(resource),
      { resource, token },
      resource,
      decision.fencingFloor,
    );
    if (fencing.kind !== 'issued') {
      await releaseAgain();
      finish('unavailable');
      return { ...fencing, grantedBy: [] };
    }
    const elapsedMs = this.clock.monotonicMs() - started;
    const validity = validityMs({ ttlMs, elapsedMs, driftFactor: this.config.driftFactor });
    if (validity <= 0) {
      await releaseAgain();
      finish('too-slow');
      return { kind: 'too-slow', elapsedMs };
    }
    finish('granted', fencing.value);
    return {
      kind: 'granted',
      token,
      fencingToken: fencing.value,
      validityMs: validity,
      measuredAtMs: this.clock.monotonicMs(),
      nodes: decision.grantedBy,
    };
  }

  /**
   * A strictly increasing number from the quorum counter (domain/quorum-counter.ts):
   * read a majority (or use `floor`, read with the votes), then write max + 1 back to a majority.
   */
  private async issueCounter(
    counterKey: string,
    lease: { resource: string; token: string } | null,
    resource: string,
    floor?: number,
  ): Promise<
    | { kind: 'issued'; value: number }
    | { kind: 'quorum-unavailable'; reachable: number; needed: number; grantedBy: readonly string[] }
  > {
    let proposed: number;
    const counter = lease ? 'fencing' : 'ticket';
    if (floor === undefined) {
      const read = await this.nodes.readCounter(counterKey);
      this.trace([
        ...read.map((r) => ({
          from: this.config.instance,
          to: r.node,
          kind: 'ticket-read',
          detail: { resource },
        })),
        ...read.map((r) => ({
          from: r.node,
          to: this.config.instance,
          kind: r.value === null ? 'unreachable' : 'counter',
          detail: { resource, value: r.value },
        })),
      ]);
      const values = read.flatMap((r) => (r.value === null ? [] : [r.value]));
      if (values.length < this.quorum) {
        return { kind: 'quorum-unavailable', reachable: values.length, needed: this.quorum, grantedBy: [] };
      }
      proposed = proposeNext(values);
    } else {
      proposed = proposeNext([floor]);
    }
    for (let round = 0; round < maxCounterRounds; round++) {
      const replies = await this.nodes.raiseCounter(counterKey, proposed, lease ?? undefined);
      this.trace(raiseMessages(this.config.instance, { counter, resource, proposed }, replies));
      const decision = lease
        ? tallyRaise(proposed, replies, this.nodes.size)
        : tallyRaiseAtLeast(proposed, replies, this.nodes.size);
      if (decision.kind === 'issued') return decision;
      if (decision.kind === 'quorum-unavailable') return { ...decision, grantedBy: [] };
      proposed = decision.next;
    }
    return { kind: 'quorum-unavailable', reachable: this.nodes.size, needed: this.quorum, grantedBy: [] };
  }

  private granted(
    input: AcquireInput,
    result: Extract<AttemptResult, { kind: 'granted' }>,
    waitedMs: number,
  ): Lease {
    const lease: Lease = {
      resource: input.resource,
      token: result.token,
      fencingToken: result.fencingToken,
      owner: input.owner,
      instance: this.config.instance,
      validityMs: result.validityMs,
      expiresAtMs: this.clock.nowMs() + result.validityMs,
      waitedMs: Math.round(waitedMs),
      nodes: result.nodes,
    };
    this.leases.set(lease.token, lease);
    this.stats.acquisitions += 1;
    this.stats.outcomes.granted += 1;
    this.emit('lock:acquired', {
      resource: lease.resource,
      owner: lease.owner,
      instance: lease.instance,
      fencingToken: lease.fencingToken,
      validityMs: lease.validityMs,
      expiresAtMs: lease.expiresAtMs,
      nodes: lease.nodes,
    });
    return lease;
  }

  private refusal(input: AcquireInput, result: Refusal): AppError {
    if (result.kind === 'held') {
      this.stats.contention += 1;
      this.stats.outcomes.held += 1;
    }
    if (result.kind === 'quorum-unavailable') {
      this.stats.quorumUnavailable += 1;
      this.stats.outcomes.unavailable += 1;
    }
    if (result.kind === 'too-slow') this.stats.outcomes.tooSlow += 1;
    const error = refusalError(input, result);
    this.emit('lock:refused', {
      resource: input.resource,
      owner: input.owner,
      code: error.code,
      detail: error.message,
    });
    return error;
  }

  /** POST /locks/{resource}/extend: keeps a live holder's lease, only if a majority still has it. */
  async extend(
    resource: string,
    token: string,
    ttlMs: number,
  ): Promise<{ validityMs: number; expiresAtMs: number }> {
    const started = this.clock.monotonicMs();
    const replies = await this.nodes.extend(
      resource,
      token,
      ttlMs,
      this.announce(this.clock.nowMs() + ttlMs),
    );
    this.trace(leaseMessages(this.config.instance, 'extend', resource, replies));
    const decision = tallyExtend(replies, this.nodes.size);
    const lease = this.leases.get(token);
    if (decision.kind === 'lost') {
      this.stats.lost += 1;
      throw new AppError(
        'LOCK_LOST',
        `This token holds "${resource}" on ${decision.extendedOn} nodes; ${decision.needed} are needed: the lease expired or was never yours.`,
        { extras: { resource, extendedOn: decision.extendedOn, needed: decision.needed } },
      );
    }
    if (decision.kind === 'quorum-unavailable') {
      this.stats.quorumUnavailable += 1;
      throw new AppError(
        'QUORUM_UNAVAILABLE',
        `Only ${decision.reachable} lock nodes answered; extending needs ${decision.needed}.`,
        {
          extras: { resource, reachable: decision.reachable, needed: decision.needed },
          outcome: 'indeterminate',
        },
      );
    }
    const validity = validityMs({
      ttlMs,
      elapsedMs: this.clock.monotonicMs() - started,
      driftFactor: this.config.driftFactor,
    });
    const expiresAtMs = this.clock.nowMs() + validity;
    if (lease) this.leases.set(token, { ...lease, validityMs: validity, expiresAtMs });
    // A lease granted by another instance: the nodes said whose it is.
    const fencingToken = lease?.fencingToken ?? decision.lease?.fencingToken ?? null;
    if (fencingToken !== null) {
      this.emit('lock:extended', {
        resource,
        owner: lease?.owner ?? decision.lease?.owner ?? '',
        fencingToken,
        expiresAtMs,
      });
    }
    this.stats.extensions += 1;
    return { validityMs: validity, expiresAtMs };
  }

  /** POST /locks/{resource}/release: deletes our lease wherever it is; a non-holder changes nothing. */
  async release(resource: string, token: string): Promise<void> {
    const replies = await this.nodes.release(resource, token, this.announce());
    this.trace(leaseMessages(this.config.instance, 'release', resource, replies));
    const decision = tallyRelease(replies, this.nodes.size);
    if (decision.kind === 'not-holder') {
      this.stats.notHolder += 1;
      throw new AppError(
        'NOT_LOCK_HOLDER',
        `No lock node holds "${resource}" with this token: it expired, or it was never yours. Nothing changed.`,
        { extras: { resource } },
      );
    }
    if (decision.kind === 'quorum-unavailable') {
      this.stats.quorumUnavailable += 1;
      throw new AppError(
        'QUORUM_UNAVAILABLE',
        `Only ${decision.reachable} lock nodes answered and none had this lease; it may live on the others until its TTL.`,
        {
          extras: { resource, reachable: decision.reachable, needed: decision.needed },
          outcome: 'indeterminate',
        },
      );
    }
    const lease = this.leases.get(token);
    this.leases.delete(token);
    this.stats.releases += 1;
    this.emit('lock:released', {
      resource,
      owner: lease?.owner ?? decision.lease?.owner ?? '',
      fencingToken: lease?.fencingToken ?? decision.lease?.fencingToken ?? null,
    });
    this.sleepers.wakeHead(resource);
  }

  acquireMany(input: AcquireManyInput): Promise<Lease[]> {
    return acquireAll(this, this.clock, input);
  }

  /** GET /locks/{resource}: each node's state and the majority picture. */
  async view(resource: string): Promise<LockView> {
    return summarizeLockView(await this.nodes.view(resource), this.nodes.size);
  }

  /**
   * Leases past their local expiry are asked about on the nodes: an expiry
   * counts only when the nodes let the lease lapse. Another instance may have
   * extended it, and its announcement may have been missed.
   */
  private async sweepExpired(): Promise<void> {
    if (this.isSweeping) return;
    this.isSweeping = true;
    try {
      for (const [token, lease] of [...this.leases]) {
        if (lease.expiresAtMs > this.clock.nowMs()) continue;
        const verdict = leaseLapse(await this.nodes.view(lease.resource), token, this.nodes.size);
        // Released or moved while we asked.
        if (this.leases.get(token) !== lease) continue;
        if (verdict.kind === 'held') {
          this.leases.set(token, { ...lease, expiresAtMs: this.clock.nowMs() + verdict.remainingMs });
          continue;
        }
        // Unknown: ask again on the next sweep, once enough nodes answer.
        if (verdict.kind === 'unknown') continue;
        this.leases.delete(token);
        this.stats.expiries += 1;
        this.emit('lock:expired', {
          resource: lease.resource,
          owner: lease.owner,
          fencingToken: lease.fencingToken,
        });
      }
    } finally {
      this.isSweeping = false;
    }
  }
}

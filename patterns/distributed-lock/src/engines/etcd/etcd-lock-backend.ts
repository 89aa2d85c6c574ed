import type { Etcd3 } from 'etcd3';

import { acquireAll } from '../../acquire-all.ts';
import type { LockConfig } from '../../config.ts';
import type { AttemptOutcome } from '../../domain/attempt-view.ts';
import type { LockView } from '../../domain/lock-view.ts';
import { quorumSize, validityMs } from '../../domain/quorum.ts';
import { WaitHistogram } from '../../domain/wait-histogram.ts';
import { AppError } from '../../errors.ts';
import type { HeardChange } from '../../heard-elsewhere.ts';
import { LeaseBook } from '../../lease-book.ts';
import { newLockStats, noTrace } from '../../lock-backend.ts';
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
import { EtcdCallError, EtcdCalls, reasonOf, waiterId } from './etcd-calls.ts';
import type { ContenderValue } from './etcd-keys.ts';
import { EtcdWaitQueue } from './etcd-wait-queue.ts';
import { acquireOnce } from './etcd-acquire.ts';

/**
 * Locks on etcd, the recipe its own docs give: a lease with a TTL, one key per
 * contender created under it only if absent, the holder = the contender with
 * the lowest create revision, each waiter watching the key just before its
 * own (etcd-acquire.ts). The fencing token is the holder key's create
 * revision: a number etcd's Raft log already orders cluster-wide, with no
 * counter of ours.
 */
export class EtcdLockBackend implements LockBackend {
  readonly stats = newLockStats();
  readonly waitHistogram = new WaitHistogram();
  waiting = 0;
  private readonly calls: EtcdCalls;
  private readonly config: LockConfig;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly emit: LiveEmit;
  /** Leases granted here and not yet gone: for expiry events, /check and fencingTokenOf. */
  private readonly leases: LeaseBook;
  private readonly queue = new EtcdWaitQueue();

  constructor(deps: {
    client: Etcd3;
    config: LockConfig;
    clock: Clock;
    newId: () => string;
    emit: LiveEmit;
    trace?: TraceMessages;
  }) {
    this.config = deps.config;
    this.clock = deps.clock;
    this.newId = deps.newId;
    this.emit = deps.emit;
    this.calls = new EtcdCalls({ ...deps, trace: deps.trace ?? noTrace });
    this.leases = new LeaseBook({
      stats: this.stats,
      emit: deps.emit,
      clock: deps.clock,
      // An expiry is etcd's word: a lease past its local expiry counts only once its key is gone.
      askNodes: async (token, lease) => {
        const mine = await this.calls.findKey(lease.resource, token).catch(() => undefined);
        if (mine === undefined) return { kind: 'unknown' };
        const left = mine ? ((await this.calls.leaseTtlMs(mine.lease)) ?? 0) : 0;
        return left > 0 ? { kind: 'held', remainingMs: left } : { kind: 'lapsed' };
      },
    });
  }

  get nodeCount(): number {
    return this.config.etcdEndpoints.length;
  }

  get quorum(): number {
    return quorumSize(this.nodeCount);
  }

  /** The cluster's one vote on an attempt, for the live view's node column. */
  private showAttempt(
    input: AcquireInput,
    outcome: AttemptOutcome,
    fencingToken: number | null = null,
  ): void {
    const vote = outcome === 'unavailable' ? 'unreachable' : outcome === 'too-slow' ? 'granted' : outcome;
    this.emit('lock:attempt', {
      resource: input.resource,
      owner: input.owner,
      instance: this.config.instance,
      outcome,
      votes: [{ node: 'etcd', vote }],
      needed: 1,
      fencingToken,
      atMs: this.clock.nowMs(),
    });
  }

  private unavailable(
    error: EtcdCallError,
    resource: string,
    outcome: 'not_applied' | 'indeterminate',
  ): AppError {
    this.stats.quorumUnavailable += 1;
    this.stats.outcomes.unavailable += 1;
    if (outcome === 'indeterminate') {
      return new AppError(
        'LOCK_INDETERMINATE',
        `etcd did not answer a write (${error.message}): it may or may not have landed. No lease was handed out; ` +
          'a key it may have left lapses with its lease.',
        { extras: { resource, step: error.step } },
      );
    }
    return new AppError(
      'QUORUM_UNAVAILABLE',
      `etcd did not answer (${error.message}): it needs ${this.quorum} of ${this.nodeCount} members with a leader. Nothing changed.`,
      { extras: { resource, reachable: null, needed: this.quorum } },
    );
  }

  async acquire(input: AcquireInput): Promise<Lease> {
    const started = this.clock.monotonicMs();
    this.waiting += input.waitMs > 0 ? 1 : 0;
    try {
      for (;;) {
        try {
          return await acquireOnce(
            {
              calls: this.calls,
              queue: this.queue,
              config: this.config,
              clock: this.clock,
              stats: this.stats,
              waitHistogram: this.waitHistogram,
              emit: this.emit,
              showAttempt: (outcome, fencingToken) => this.showAttempt(input, outcome, fencingToken),
              granted: (lease) => this.leases.granted(lease),
            },
            input,
            { token: this.newId(), started },
          );
        } catch (error) {
          if (!(error instanceof EtcdCallError)) throw error;
          // A waiter is willing to wait: an election (the leader paused or killed) is one more thing to wait
          // out. Our key, if the failed call wrote it, was revoked or lapses with its lease.
          const remaining = started + input.waitMs - this.clock.monotonicMs();
          if (input.waitMs === 0 || remaining <= 0) {
            this.showAttempt(input, 'unavailable');
            throw this.unavailable(
              error,
              input.resource,
              error.step === 'create' ? 'indeterminate' : 'not_applied',
            );
          }
          await new Promise((r) => setTimeout(r, Math.min(250, remaining)));
        }
      }
    } finally {
      this.waiting -= input.waitMs > 0 ? 1 : 0;
    }
  }

  /** The watch over every contender key: a delete wakes whoever waited on it. */
  deleted(key: string): void {
    this.queue.deleted(key);
  }

  /**
   * A release or extension through another instance, heard on the watch.
   * Returns the lease if it was granted here, so the caller can record it.
   */
  heardMarker(key: string, value: ContenderValue): HeardChange | null {
    const token = key.slice(key.lastIndexOf('/') + 1);
    const lease = this.leases.get(token);
    if (!lease) return null;
    if (value.releasedAtMs !== undefined) {
      this.leases.forget(token);
      if (value.releasedBy === this.config.instance) return null;
      return { lease, kind: 'released', atMs: value.releasedAtMs, by: value.releasedBy ?? '' };
    }
    if (value.extendedUntilMs !== undefined && value.extendedBy !== this.config.instance) {
      if (value.extendedUntilMs > lease.expiresAtMs)
        this.leases.move(token, { ...lease, expiresAtMs: value.extendedUntilMs });
      return { lease, kind: 'extended', atMs: value.extendedUntilMs, by: value.extendedBy ?? '' };
    }
    return null;
  }

  /** etcd renews a lease to the TTL it was granted with; `ttlMs` cannot change it. */
  async extend(
    resource: string,
    token: string,
    _ttlMs: number,
  ): Promise<{ validityMs: number; expiresAtMs: number }> {
    const started = this.clock.monotonicMs();
    try {
      const mine = await this.calls.findKey(resource, token);
      const ttl = mine ? await this.calls.keepAlive(mine.lease) : 0;
      if (!mine || ttl <= 0) {
        this.stats.lost += 1;
        throw new AppError(
          'LOCK_LOST',
          `This token holds no lease on "${resource}": it expired or was never yours.`,
          { extras: { resource, extendedOn: 0, needed: 1 } },
        );
      }
      const validity = validityMs({
        ttlMs: ttl * 1_000,
        elapsedMs: this.clock.monotonicMs() - started,
        driftFactor: this.config.driftFactor,
      });
      const expiresAtMs = this.clock.nowMs() + validity;
      const known = this.leases.get(token);
      if (known) this.leases.move(token, { ...known, validityMs: validity, expiresAtMs });
      else {
        // Granted by another instance: tell it (the watch hears the marker) so it neither expires nor misjudges the lease.
        await this.calls
          .mark('mark-extended', mine, {
            ...mine.value,
            extendedUntilMs: expiresAtMs,
            extendedBy: this.config.instance,
          })
          .catch(() => undefined);
      }
      this.stats.extensions += 1;
      this.emit('lock:extended', {
        resource,
        owner: mine.value.owner,
        fencingToken: mine.createRevision,
        expiresAtMs,
      });
      return { validityMs: validity, expiresAtMs };
    } catch (error) {
      if (error instanceof EtcdCallError) throw this.unavailable(error, resource, 'indeterminate');
      throw error;
    }
  }

  async release(resource: string, token: string): Promise<void> {
    const sentAtMs = this.clock.nowMs();
    try {
      const mine = await this.calls.findKey(resource, token);
      if (!mine) {
        this.stats.notHolder += 1;
        throw new AppError(
          'NOT_LOCK_HOLDER',
          `No lease on "${resource}" has this token: it expired, or it was never yours. Nothing changed.`,
          { extras: { resource } },
        );
      }
      if (!this.leases.get(token)) {
        // Granted by another instance: the marker tells it when its lease ended.
        await this.calls.mark('mark-released', mine, {
          ...mine.value,
          releasedAtMs: sentAtMs,
          releasedBy: this.config.instance,
        });
      }
      await this.calls.call('lease-revoke', (o) =>
        this.calls.client.leaseClient.leaseRevoke({ ID: mine.lease }, o),
      );
      this.leases.forget(token);
      this.stats.releases += 1;
      this.emit('lock:released', { resource, owner: mine.value.owner, fencingToken: mine.createRevision });
    } catch (error) {
      if (error instanceof EtcdCallError) throw this.unavailable(error, resource, 'indeterminate');
      throw error;
    }
  }

  acquireMany(input: AcquireManyInput): Promise<Lease[]> {
    return acquireAll(this, this.clock, input);
  }

  async view(resource: string): Promise<LockView> {
    let contenders;
    try {
      contenders = await this.calls.contenders(resource, false);
    } catch (error) {
      return {
        isHeld: false,
        holder: null,
        queue: [],
        fencingCounter: 0,
        nodes: [{ node: 'etcd', status: 'unreachable', detail: reasonOf(error) }],
      };
    }
    const { all, revision } = contenders;
    const holder = all[0];
    const ttlMs = holder ? ((await this.calls.leaseTtlMs(holder.lease, false)) ?? 0) : 0;
    return {
      isHeld: holder !== undefined,
      holder: holder
        ? {
            owner: holder.value.owner,
            instance: holder.value.instance,
            fencingToken: holder.createRevision,
            ttlMs,
            nodes: ['etcd'],
          }
        : null,
      queue: all.slice(1).map((c) => ({
        waiter: waiterId(c),
        owner: c.value.owner,
        instance: c.value.instance,
        ticket: c.createRevision,
        nodes: 1,
      })),
      // The cluster's revision now: the next key created anywhere gets a higher one.
      fencingCounter: revision,
      nodes: [
        holder
          ? { node: 'etcd', status: 'holder', owner: holder.value.owner, ttlMs }
          : { node: 'etcd', status: 'free' },
      ],
    };
  }

  fencingTokenOf(token: string): number | null {
    return this.leases.get(token)?.fencingToken ?? null;
  }

  nodeFigures(): NodeFigures[] {
    return [this.calls.figuresOf()];
  }

  close(): void {
    this.leases.close();
    this.queue.wakeAll();
  }
}

import type { Etcd3, IKeyValue } from 'etcd3';

import { acquireAll } from '../../acquire-all.ts';
import type { LockConfig } from '../../config.ts';
import { RecentSamples } from '../../domain/percentiles.ts';
import { quorumSize, validityMs } from '../../domain/quorum.ts';
import { WaitHistogram } from '../../domain/wait-histogram.ts';
import type { LockView } from '../../domain/lock-view.ts';
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
import type { AttemptOutcome } from '../../domain/attempt-view.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import { etcdKeys, parseContender, prefixEnd } from './etcd-keys.ts';
import type { ContenderValue } from './etcd-keys.ts';
import { AppError } from '../../errors.ts';

/** A call that failed: before anything was written (not applied) or while a write may have landed. */
class EtcdCallError extends Error {
  readonly step: string;
  constructor(step: string, reason: string) {
    super(`${step}: ${reason}`);
    this.step = step;
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
// etcd leases count whole seconds, and the server raises anything below its minimum TTL (about 2 s here).
const leaseSeconds = (ttlMs: number) => Math.max(2, Math.ceil(ttlMs / 1_000));

interface Contender {
  readonly key: string;
  readonly createRevision: number;
  readonly lease: string;
  readonly value: ContenderValue;
}

const toContender = (kv: IKeyValue): Contender => ({
  key: kv.key.toString(),
  createRevision: Number(kv.create_revision),
  lease: kv.lease,
  value: parseContender(kv.value),
});

/**
 * Locks on etcd, the recipe its own docs give: a lease with a TTL, one key per
 * contender created under it only if absent, the holder = the contender with
 * the lowest create revision, each waiter watching the key just before its
 * own. The fencing token is the holder key's create revision: a number etcd's
 * Raft log already orders cluster-wide, with no counter of ours.
 */
export class EtcdLockBackend implements LockBackend {
  readonly stats = newLockStats();
  readonly waitHistogram = new WaitHistogram();
  waiting = 0;
  private readonly client: Etcd3;
  private readonly config: LockConfig;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly emit: LiveEmit;
  private readonly trace: TraceMessages;
  private readonly figures = {
    calls: 0,
    errors: 0,
    lastError: null as string | null,
    latencyMs: new RecentSamples(500),
  };
  /** Leases granted here and not yet gone: for expiry events, /check and fencingTokenOf. */
  private readonly leases = new Map<string, Lease>();
  /** Waiters of this instance by the key they wait to see deleted. */
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly sweeper: NodeJS.Timeout;
  private isSweeping = false;

  constructor(deps: {
    client: Etcd3;
    config: LockConfig;
    clock: Clock;
    newId: () => string;
    emit: LiveEmit;
    trace?: TraceMessages;
  }) {
    this.client = deps.client;
    this.trace = deps.trace ?? (() => undefined);
    this.config = deps.config;
    this.clock = deps.clock;
    this.newId = deps.newId;
    this.emit = deps.emit;
    this.sweeper = setInterval(() => void this.sweepExpired(), 250);
    this.sweeper.unref();
  }

  get nodeCount(): number {
    return this.config.etcdEndpoints.length;
  }

  get quorum(): number {
    return quorumSize(this.nodeCount);
  }

  /**
   * One etcd call with a deadline: a cluster without a leader must not hold a request forever.
   * The cluster answers as one, so the trace shows each call as a message to `etcd` and its answer
   * (reads for the live view are left out: they are not the protocol).
   */
  private async call<T>(
    step: string,
    run: (options: { deadline: number }) => Promise<T>,
    isTraced = true,
  ): Promise<T> {
    const me = this.config.instance;
    if (isTraced) this.trace([{ from: me, to: 'etcd', kind: step }]);
    const started = performance.now();
    this.figures.calls += 1;
    const options = { deadline: Date.now() + this.config.etcdCallTimeoutMs };
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(options),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.config.etcdCallTimeoutMs} ms`)),
            this.config.etcdCallTimeoutMs + 50,
          );
        }),
      ]);
      this.figures.latencyMs.add(performance.now() - started);
      if (isTraced) this.trace([{ from: 'etcd', to: me, kind: `${step}-ok` }]);
      return result;
    } catch (error) {
      if (isTraced)
        this.trace([
          { from: 'etcd', to: me, kind: 'unreachable', detail: { step, reason: reasonOf(error) } },
        ]);
      this.figures.errors += 1;
      this.figures.lastError = reasonOf(error);
      this.emit('node:fault', { node: 'etcd', reason: `${step}: ${reasonOf(error)}` });
      throw new EtcdCallError(step, reasonOf(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private contenders(resource: string, isTraced = true) {
    const prefix = etcdKeys.prefix(resource);
    return this.call(
      'range',
      (o) =>
        this.client.kv.range(
          {
            key: Buffer.from(prefix),
            range_end: prefixEnd(prefix),
            sort_target: 'Create',
            sort_order: 'Ascend',
          },
          o,
        ),
      isTraced,
    );
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

  private async keepAlive(lease: string): Promise<number> {
    return this.call('keepalive', async (o) => {
      const stream = await this.client.leaseClient.leaseKeepAlive(o);
      try {
        const reply = new Promise<{ TTL: string }>((resolve, reject) => {
          stream.on('data', resolve);
          stream.on('error', reject);
        });
        stream.write({ ID: lease });
        return Number((await reply).TTL);
      } finally {
        stream.cancel();
      }
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
          return await this.acquireOnce(input, started);
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

  /** One try; etcd failures come out as EtcdCallError, after our lease was given up. */
  private async acquireOnce(input: AcquireInput, started: number): Promise<Lease> {
    const { resource, owner } = input;
    const deadline = started + input.waitMs;
    const token = this.newId();
    const key = etcdKeys.contender(resource, token);
    let lease: string;
    let ttlSeconds: number;
    try {
      const granted = await this.call('lease-grant', (o) =>
        this.client.leaseClient.leaseGrant({ TTL: leaseSeconds(input.ttlMs), ID: 0 }, o),
      );
      lease = granted.ID;
      ttlSeconds = Number(granted.TTL);
    } catch (error) {
      throw error instanceof EtcdCallError ? error : new EtcdCallError('lease-grant', reasonOf(error));
    }
    let renewedAt = this.clock.monotonicMs();
    const giveUp = async () => {
      // Revoking deletes our key with the lease; if that fails too, the lease lapses on its own.
      await this.call('lease-revoke', (o) => this.client.leaseClient.leaseRevoke({ ID: lease }, o)).catch(
        () => undefined,
      );
    };
    const value: ContenderValue = { owner, instance: this.config.instance };
    try {
      await this.call('create', (o) =>
        this.client.kv.txn(
          {
            compare: [{ key: Buffer.from(key), target: 'Create', result: 'Equal', create_revision: 0 }],
            success: [
              { request_put: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), lease } },
            ],
            failure: [],
          },
          o,
        ),
      );
      let hasWaited = false;
      for (;;) {
        const range = await this.contenders(resource);
        const all = range.kvs.map(toContender);
        const mine = all.findIndex((c) => c.key === key);
        if (mine === -1) {
          // Our lease lapsed while we waited (this process paused past the TTL): nothing is ours.
          throw new AppError(
            'LOCK_WAIT_TIMEOUT',
            `This waiter's lease on "${resource}" lapsed before its turn.`,
            {
              extras: { resource, waitMs: input.waitMs },
            },
          );
        }
        const me = all[mine];
        if (mine === 0 && me) {
          // Our turn: renew so the validity counts from now, not from when we joined the queue.
          const keepStarted = this.clock.monotonicMs();
          const ttlNow = await this.keepAlive(lease);
          if (ttlNow <= 0)
            throw new AppError('LOCK_WAIT_TIMEOUT', `The lease on "${resource}" lapsed.`, {
              extras: { resource },
            });
          const elapsedMs = this.clock.monotonicMs() - keepStarted;
          const validity = validityMs({
            ttlMs: ttlNow * 1_000,
            elapsedMs,
            driftFactor: this.config.driftFactor,
          });
          const waitedMs = this.clock.monotonicMs() - started;
          if (hasWaited) {
            this.stats.waitMs.add(waitedMs);
            this.waitHistogram.observe(waitedMs);
          }
          this.showAttempt(input, 'granted', me.createRevision);
          return this.granted(
            input,
            token,
            me.createRevision,
            validity,
            Math.round(hasWaited ? waitedMs : 0),
          );
        }
        const holder = all[0];
        if (input.waitMs === 0) {
          this.showAttempt(input, 'held');
          this.stats.contention += 1;
          this.stats.outcomes.held += 1;
          throw new AppError('LOCK_HELD', `"${resource}" is held by ${holder?.value.owner ?? 'someone'}.`, {
            extras: { resource, holder: holder?.value.owner ?? '', queuedAhead: mine },
          });
        }
        if (!hasWaited) {
          hasWaited = true;
          this.showAttempt(input, 'queued');
          this.stats.contention += 1;
          this.emit('queue:joined', {
            resource,
            waiter: this.waiterId(me),
            owner,
            ticket: me?.createRevision ?? 0,
          });
        }
        const remaining = deadline - this.clock.monotonicMs();
        if (remaining <= 0) {
          this.stats.timeouts += 1;
          this.stats.outcomes.timeout += 1;
          throw new AppError(
            'LOCK_WAIT_TIMEOUT',
            `"${resource}" was not granted within waitMs=${input.waitMs}; this waiter left the queue.`,
            {
              extras: {
                resource,
                waitMs: input.waitMs,
                holder: holder?.value.owner ?? '',
                queuedAhead: mine,
              },
            },
          );
        }
        // The recipe: wait for the key just before ours to go, renewing our lease meanwhile.
        const predecessor = all[mine - 1];
        const renewEveryMs = (ttlSeconds * 1_000) / 3;
        await this.waitForDelete(
          predecessor?.key ?? '',
          Math.min(remaining, renewEveryMs, this.config.queuePollMs * 20),
        );
        if (this.clock.monotonicMs() - renewedAt >= renewEveryMs) {
          await this.keepAlive(lease);
          renewedAt = this.clock.monotonicMs();
        }
      }
    } catch (error) {
      await giveUp();
      throw error;
    } finally {
      if (this.wakers.size > 1_000) this.wakers.clear();
    }
  }

  private waiterId(c: Contender | undefined): string {
    return `${c?.createRevision ?? 0}:${c?.value.instance ?? ''}:${c?.value.owner ?? ''}`;
  }

  private waitForDelete(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(key) ?? new Set<() => void>();
      this.wakers.set(key, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.wakers.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  /** The watch over every contender key: a delete wakes whoever waited on it; markers move leases granted here. */
  deleted(key: string): void {
    for (const wake of [...(this.wakers.get(key) ?? [])]) wake();
  }

  /**
   * A release or extension through another instance, heard on the watch.
   * Returns the lease if it was granted here, so the caller can record it.
   */
  heardMarker(
    key: string,
    value: ContenderValue,
  ): { lease: Lease; kind: 'released' | 'extended'; atMs: number; by: string } | null {
    const token = key.slice(key.lastIndexOf('/') + 1);
    const lease = this.leases.get(token);
    if (!lease) return null;
    if (value.releasedAtMs !== undefined) {
      this.leases.delete(token);
      if (value.releasedBy === this.config.instance) return null;
      return { lease, kind: 'released', atMs: value.releasedAtMs, by: value.releasedBy ?? '' };
    }
    if (value.extendedUntilMs !== undefined && value.extendedBy !== this.config.instance) {
      if (value.extendedUntilMs > lease.expiresAtMs)
        this.leases.set(token, { ...lease, expiresAtMs: value.extendedUntilMs });
      return { lease, kind: 'extended', atMs: value.extendedUntilMs, by: value.extendedBy ?? '' };
    }
    return null;
  }

  private granted(
    input: AcquireInput,
    token: string,
    fencingToken: number,
    validity: number,
    waitedMs: number,
  ): Lease {
    const lease: Lease = {
      resource: input.resource,
      token,
      fencingToken,
      owner: input.owner,
      instance: this.config.instance,
      validityMs: validity,
      expiresAtMs: this.clock.nowMs() + validity,
      waitedMs,
      nodes: ['etcd'],
    };
    this.leases.set(token, lease);
    this.stats.acquisitions += 1;
    this.stats.outcomes.granted += 1;
    this.emit('lock:acquired', {
      resource: lease.resource,
      owner: lease.owner,
      instance: lease.instance,
      fencingToken,
      validityMs: validity,
      expiresAtMs: lease.expiresAtMs,
      nodes: lease.nodes,
    });
    return lease;
  }

  /** The contender key of `token`, or null when it is gone (expired, released, never ours). */
  private async findKey(resource: string, token: string): Promise<Contender | null> {
    const key = etcdKeys.contender(resource, token);
    const range = await this.call('get', (o) => this.client.kv.range({ key: Buffer.from(key) }, o));
    const kv = range.kvs[0];
    return kv ? toContender(kv) : null;
  }

  /** etcd renews a lease to the TTL it was granted with; `ttlMs` cannot change it. */
  async extend(
    resource: string,
    token: string,
    _ttlMs: number,
  ): Promise<{ validityMs: number; expiresAtMs: number }> {
    const started = this.clock.monotonicMs();
    try {
      const mine = await this.findKey(resource, token);
      const ttl = mine ? await this.keepAlive(mine.lease) : 0;
      if (!mine || ttl <= 0) {
        this.stats.lost += 1;
        throw new AppError(
          'LOCK_LOST',
          `This token holds no lease on "${resource}": it expired or was never yours.`,
          {
            extras: { resource, extendedOn: 0, needed: 1 },
          },
        );
      }
      const validity = validityMs({
        ttlMs: ttl * 1_000,
        elapsedMs: this.clock.monotonicMs() - started,
        driftFactor: this.config.driftFactor,
      });
      const expiresAtMs = this.clock.nowMs() + validity;
      const known = this.leases.get(token);
      if (known) this.leases.set(token, { ...known, validityMs: validity, expiresAtMs });
      else {
        // Granted by another instance: tell it (the watch hears the marker) so it neither expires nor misjudges the lease.
        const marked: ContenderValue = {
          ...mine.value,
          extendedUntilMs: expiresAtMs,
          extendedBy: this.config.instance,
        };
        await this.call('mark-extended', (o) =>
          this.client.kv.put(
            { key: Buffer.from(mine.key), value: Buffer.from(JSON.stringify(marked)), lease: mine.lease },
            o,
          ),
        ).catch(() => undefined);
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
      const mine = await this.findKey(resource, token);
      if (!mine) {
        this.stats.notHolder += 1;
        throw new AppError(
          'NOT_LOCK_HOLDER',
          `No lease on "${resource}" has this token: it expired, or it was never yours. Nothing changed.`,
          {
            extras: { resource },
          },
        );
      }
      if (!this.leases.has(token)) {
        // Granted by another instance: the marker tells it when its lease ended.
        const marked: ContenderValue = {
          ...mine.value,
          releasedAtMs: sentAtMs,
          releasedBy: this.config.instance,
        };
        await this.call('mark-released', (o) =>
          this.client.kv.put(
            { key: Buffer.from(mine.key), value: Buffer.from(JSON.stringify(marked)), lease: mine.lease },
            o,
          ),
        );
      }
      await this.call('lease-revoke', (o) => this.client.leaseClient.leaseRevoke({ ID: mine.lease }, o));
      this.leases.delete(token);
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
    let range;
    try {
      range = await this.contenders(resource, false);
    } catch (error) {
      const detail = reasonOf(error);
      return {
        isHeld: false,
        holder: null,
        queue: [],
        fencingCounter: 0,
        nodes: [{ node: 'etcd', status: 'unreachable', detail }],
      };
    }
    const all = range.kvs.map(toContender);
    const holder = all[0];
    let ttlMs = 0;
    if (holder) {
      const ttl = await this.call(
        'lease-ttl',
        (o) => this.client.leaseClient.leaseTimeToLive({ ID: holder.lease }, o),
        false,
      ).catch(() => null);
      ttlMs = ttl ? Math.max(0, Number(ttl.TTL) * 1_000) : 0;
    }
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
        waiter: this.waiterId(c),
        owner: c.value.owner,
        instance: c.value.instance,
        ticket: c.createRevision,
        nodes: 1,
      })),
      // The cluster's revision now: the next key created anywhere gets a higher one.
      fencingCounter: Number(range.header.revision),
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
    return [
      {
        node: 'etcd',
        isUp: this.figures.lastError === null || this.figures.latencyMs.summary().count > 0,
        calls: this.figures.calls,
        errors: this.figures.errors,
        lastError: this.figures.lastError,
        latencyMs: this.figures.latencyMs.summary(),
      },
    ];
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const set of this.wakers.values()) for (const wake of [...set]) wake();
  }

  /** An expiry is etcd's word: a lease past its local expiry counts only once its key is gone. */
  private async sweepExpired(): Promise<void> {
    if (this.isSweeping) return;
    this.isSweeping = true;
    try {
      for (const [token, lease] of [...this.leases]) {
        if (lease.expiresAtMs > this.clock.nowMs()) continue;
        const mine = await this.findKey(lease.resource, token).catch(() => undefined);
        if (mine === undefined || this.leases.get(token) !== lease) continue;
        if (mine) {
          const ttl = await this.call('lease-ttl', (o) =>
            this.client.leaseClient.leaseTimeToLive({ ID: mine.lease }, o),
          ).catch(() => null);
          const left = ttl ? Number(ttl.TTL) * 1_000 : 0;
          if (left > 0) {
            this.leases.set(token, { ...lease, expiresAtMs: this.clock.nowMs() + left });
            continue;
          }
        }
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

import { leaseLapse } from '../../domain/lease-lapse.ts';
import { tallyExtend, tallyRelease } from '../../domain/lease-replies.ts';
import { leaseMessages } from '../../domain/attempt-view.ts';
import { summarizeLockView } from '../../domain/lock-view.ts';
import type { LockView } from '../../domain/lock-view.ts';
import { WaitHistogram } from '../../domain/wait-histogram.ts';
import { quorumSize, validityMs } from '../../domain/quorum.ts';
import { acquireAll } from '../../acquire-all.ts';
import type { LockConfig } from '../../config.ts';
import { AppError } from '../../errors.ts';
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
import type { LockNodes } from './lock-nodes.ts';
import { CounterCache } from './counter-cache.ts';
import { pollIntervalsMs, QueueSleepers } from './queue-sleepers.ts';
import { attempt } from './redlock-attempt.ts';
import { announcement } from './redlock-context.ts';
import type { RedlockContext } from './redlock-context.ts';
import { grantLease, refuse } from './redlock-outcomes.ts';
import type { HeardLeaseEvent } from './release-subscriber.ts';
import { acquireInQueue } from './wait-queue.ts';

/**
 * The lock service as a use case, behind the engine port: an acquire is one
 * Redlock attempt (redlock-attempt.ts) or a place in the FIFO queue
 * (wait-queue.ts); fencing tokens and tickets come from the quorum counter
 * (fencing-counter.ts). Every rule it applies lives in domain/; every Redis
 * call goes through LockNodes.
 */
export class RedlockBackend implements LockBackend {
  readonly stats = newLockStats();
  readonly waitHistogram = new WaitHistogram();
  /** Waiters in a queue on this instance right now. */
  waiting = 0;

  private readonly ctx: RedlockContext;
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
    const { nodes, clock, emit } = deps;
    this.ctx = {
      ...deps,
      trace: deps.trace ?? noTrace,
      stats: this.stats,
      waitHistogram: this.waitHistogram,
      sleepers: new QueueSleepers(pollIntervalsMs(deps.config.queuePollMs, deps.config.queueLeaseMs)),
      counters: new CounterCache(),
      leases: new LeaseBook({
        stats: this.stats,
        emit,
        clock,
        askNodes: async (token, lease) => leaseLapse(await nodes.view(lease.resource), token, nodes.size),
      }),
    };
  }

  get quorum(): number {
    return quorumSize(this.ctx.nodes.size);
  }

  get nodeCount(): number {
    return this.ctx.nodes.size;
  }

  nodeFigures(): NodeFigures[] {
    const { nodes } = this.ctx;
    return this.nodeStatus().map(({ node, isUp }) => {
      const s = nodes.stats.get(node);
      return {
        node,
        isUp,
        calls: s?.calls ?? 0,
        errors: s?.errors ?? 0,
        lastError: s?.lastError ?? null,
        latencyMs: s?.latencyMs.summary() ?? { count: 0, p50: 0, p99: 0 },
      };
    });
  }

  /** Up or down per node, for the live view's badges (polled twice a second: no latency figures). */
  nodeStatus(): { node: string; isUp: boolean }[] {
    return this.ctx.nodes.nodes.map((node) => ({
      node: node.name,
      isUp: node.isReady && node.linkState().mode !== 'cut',
    }));
  }

  close(): void {
    this.ctx.leases.close();
    this.ctx.sleepers.wakeAll();
  }

  /**
   * A release or extension announced on the lock nodes (by this instance or
   * another). A lease granted here and released or extended through another
   * instance must end or move here too, or /check and the expiry count would
   * judge it by a window that no longer exists. Returns the lease when it was
   * granted here and changed by another instance, so the caller can record it.
   */
  heard(event: HeardLeaseEvent): Lease | null {
    const { leases, sleepers, config } = this.ctx;
    if (event.event === 'released') sleepers.wakeHead(event.resource);
    if (event.fencingToken === null) return null;
    const entry = leases.findByFencingToken(event.resource, event.fencingToken);
    if (!entry) return null;
    const [token, lease] = entry;
    if (event.event === 'released') {
      leases.forget(token);
      return event.instance === config.instance ? null : lease;
    }
    const key = `${event.resource}|${event.fencingToken}|${event.atMs}`;
    if (this.heardExtensions.has(key)) return null;
    this.heardExtensions.add(key);
    // Bounded: a duplicate arrives within milliseconds of the first copy.
    for (const old of this.heardExtensions) {
      if (this.heardExtensions.size <= 1_000) break;
      this.heardExtensions.delete(old);
    }
    if (event.atMs > lease.expiresAtMs) leases.move(token, { ...lease, expiresAtMs: event.atMs });
    return event.instance === config.instance ? null : lease;
  }

  /** The fencing token of a lease granted here, if it is still known. */
  fencingTokenOf(token: string): number | null {
    return this.ctx.leases.get(token)?.fencingToken ?? null;
  }

  /** POST /locks/{resource}: at once (waitMs 0) or after waiting in the FIFO queue. */
  async acquire(input: AcquireInput): Promise<Lease> {
    const started = this.ctx.clock.monotonicMs();
    if (input.waitMs === 0) {
      const result = await attempt(this.ctx, input, {});
      if (result.kind === 'granted') return grantLease(this.ctx, input, result, 0);
      throw refuse(this.ctx, input, result);
    }
    this.waiting += 1;
    try {
      return await acquireInQueue(this.ctx, input, started);
    } finally {
      this.waiting -= 1;
    }
  }

  /** POST /locks/{resource}/extend: keeps a live holder's lease, only if a majority still has it. */
  async extend(
    resource: string,
    token: string,
    ttlMs: number,
  ): Promise<{ validityMs: number; expiresAtMs: number }> {
    const { nodes, clock, config, leases, stats } = this.ctx;
    const started = clock.monotonicMs();
    const replies = await nodes.extend(resource, token, ttlMs, announcement(this.ctx, clock.nowMs() + ttlMs));
    this.ctx.trace.lazily(2 * replies.length, () =>
      leaseMessages(config.instance, 'extend', resource, replies),
    );
    const decision = tallyExtend(replies, nodes.size);
    const lease = leases.get(token);
    if (decision.kind === 'lost') {
      stats.lost += 1;
      throw new AppError(
        'LOCK_LOST',
        `This token holds "${resource}" on ${decision.extendedOn} nodes; ${decision.needed} are needed: the lease expired or was never yours.`,
        { extras: { resource, extendedOn: decision.extendedOn, needed: decision.needed } },
      );
    }
    if (decision.kind === 'quorum-unavailable') {
      stats.quorumUnavailable += 1;
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
      elapsedMs: clock.monotonicMs() - started,
      driftFactor: config.driftFactor,
    });
    const expiresAtMs = clock.nowMs() + validity;
    if (lease) leases.move(token, { ...lease, validityMs: validity, expiresAtMs });
    // A lease granted by another instance: the nodes said whose it is.
    const fencingToken = lease?.fencingToken ?? decision.lease?.fencingToken ?? null;
    if (fencingToken !== null) {
      this.ctx.emit('lock:extended', {
        resource,
        owner: lease?.owner ?? decision.lease?.owner ?? '',
        fencingToken,
        expiresAtMs,
      });
    }
    stats.extensions += 1;
    return { validityMs: validity, expiresAtMs };
  }

  /** POST /locks/{resource}/release: deletes our lease wherever it is; a non-holder changes nothing. */
  async release(resource: string, token: string): Promise<void> {
    const { nodes, config, leases, stats } = this.ctx;
    const sent = nodes.release(resource, token, announcement(this.ctx));
    // The next local waiter may try now: on every node its vote follows this release on the same
    // connection, so it is counted after the lease is gone (at worst it finds it held and waits again).
    this.ctx.sleepers.wakeHead(resource);
    const replies = await sent;
    this.ctx.trace.lazily(2 * replies.length, () =>
      leaseMessages(config.instance, 'release', resource, replies),
    );
    const decision = tallyRelease(replies, nodes.size);
    if (decision.kind === 'not-holder') {
      stats.notHolder += 1;
      throw new AppError(
        'NOT_LOCK_HOLDER',
        `No lock node holds "${resource}" with this token: it expired, or it was never yours. Nothing changed.`,
        { extras: { resource } },
      );
    }
    if (decision.kind === 'quorum-unavailable') {
      stats.quorumUnavailable += 1;
      throw new AppError(
        'QUORUM_UNAVAILABLE',
        `Only ${decision.reachable} lock nodes answered and none had this lease; it may live on the others until its TTL.`,
        {
          extras: { resource, reachable: decision.reachable, needed: decision.needed },
          outcome: 'indeterminate',
        },
      );
    }
    const lease = leases.get(token);
    leases.forget(token);
    stats.releases += 1;
    this.ctx.emit('lock:released', {
      resource,
      owner: lease?.owner ?? decision.lease?.owner ?? '',
      fencingToken: lease?.fencingToken ?? decision.lease?.fencingToken ?? null,
    });
    this.ctx.sleepers.wakeHead(resource);
  }

  acquireMany(input: AcquireManyInput): Promise<Lease[]> {
    return acquireAll(this, this.ctx.clock, input);
  }

  /** GET /locks/{resource}: each node's state and the majority picture. */
  async view(resource: string): Promise<LockView> {
    const { nodes } = this.ctx;
    return summarizeLockView(await nodes.view(resource), nodes.size);
  }
}

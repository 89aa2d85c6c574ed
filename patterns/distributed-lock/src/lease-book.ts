import type { Clock, Lease, LockStats } from './lock-backend.ts';
import type { LapseVerdict } from './domain/lease-lapse.ts';
import type { LiveEmit } from './realtime/events.ts';

/**
 * The leases granted by this instance and not yet gone, by secret token: for
 * fencingTokenOf, for moving a lease that another instance released or
 * extended, and for counting expiries. Both engines keep their leases here.
 */
export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  private readonly stats: LockStats;
  private readonly emit: LiveEmit;
  private readonly clock: Clock;
  private readonly sweeper: NodeJS.Timeout;
  private isSweeping = false;
  private readonly askNodes: (token: string, lease: Lease) => Promise<LapseVerdict>;

  /** `askNodes` judges a lease whose local expiry passed: an expiry is the nodes' word, not our clock's. */
  constructor(deps: {
    stats: LockStats;
    emit: LiveEmit;
    clock: Clock;
    askNodes: (token: string, lease: Lease) => Promise<LapseVerdict>;
  }) {
    this.stats = deps.stats;
    this.emit = deps.emit;
    this.clock = deps.clock;
    this.askNodes = deps.askNodes;
    this.sweeper = setInterval(() => void this.sweepExpired(), 250);
    this.sweeper.unref();
  }

  get(token: string): Lease | undefined {
    return this.leases.get(token);
  }

  /** The lease granted here for `resource` with this fencing token, and its secret. */
  findByFencingToken(resource: string, fencingToken: number): [string, Lease] | undefined {
    return [...this.leases].find(([, l]) => l.resource === resource && l.fencingToken === fencingToken);
  }

  /** A lease's window moved (extended here or elsewhere). */
  move(token: string, lease: Lease): void {
    this.leases.set(token, lease);
  }

  forget(token: string): void {
    this.leases.delete(token);
  }

  /** Records a lease just granted here, counts it and tells the live view. */
  granted(lease: Lease): Lease {
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

  close(): void {
    clearInterval(this.sweeper);
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
        const answer = await this.askNodes(token, lease);
        // Released or moved while we asked.
        if (this.leases.get(token) !== lease) continue;
        if (answer.kind === 'unknown') continue;
        if (answer.kind === 'held') {
          this.leases.set(token, { ...lease, expiresAtMs: this.clock.nowMs() + answer.remainingMs });
          continue;
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

import type { LockConfig } from '../../config.ts';
import type { LeaseBook } from '../../lease-book.ts';
import type { Clock, LockStats, TraceMessages } from '../../lock-backend.ts';
import type { WaitHistogram } from '../../domain/wait-histogram.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import type { CounterCache } from './counter-cache.ts';
import type { LeaseAnnouncement, LockNodes } from './lock-nodes.ts';
import type { QueueSleepers } from './queue-sleepers.ts';

/**
 * The one state the parts of the Redlock engine share: the attempt, the
 * fencing counter, the wait queue and the port itself each get this object,
 * so what one part changes (a lease booked, a waiter woken) the others see.
 */
export interface RedlockContext {
  readonly config: LockConfig;
  readonly nodes: LockNodes;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly emit: LiveEmit;
  readonly trace: TraceMessages;
  readonly stats: LockStats;
  /** Leases granted here and not yet released: for expiry events and the history. */
  readonly leases: LeaseBook;
  /** Waiters on this instance, by resource: woken when a release is heard. */
  readonly sleepers: QueueSleepers;
  /** Every wait, cumulative, for the Prometheus histogram (RecentSamples keeps only the last 1,000). */
  readonly waitHistogram: WaitHistogram;
  /** The highest fencing counter seen per resource: the next token's proposal rides on the acquire. */
  readonly counters: CounterCache;
}

/** Who sends a release or extend, and the time it stands for (now, unless given). */
export function announcement(ctx: RedlockContext, atMs = ctx.clock.nowMs()): LeaseAnnouncement {
  return { instance: ctx.config.instance, atMs };
}

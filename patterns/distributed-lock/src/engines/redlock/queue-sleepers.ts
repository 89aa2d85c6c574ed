/** One waiter of this instance, from its ticket until it leaves the queue. */
export interface QueuePlace {
  readonly resource: string;
  readonly ticket: number;
}

interface Waiter extends QueuePlace {
  ticket: number;
  /** Set while it sleeps between two attempts. */
  sleeping: { wake: () => void; timer: NodeJS.Timeout; untilMs: number } | null;
  /** A release was heard while it was voting: its next sleep ends at once. */
  isWakePending: boolean;
}

/**
 * How often a waiter votes again when nothing wakes it. Only the local head (the lowest ticket here)
 * can be granted next, so only it polls fast: to notice a lease that expired (nothing announces
 * that) or a head on another instance that gave up. The others vote only to keep their queue entry,
 * which lapses after `queueLeaseMs` without a vote: four votes per lease leave room for a slow one.
 */
export function pollIntervalsMs(queuePollMs: number, queueLeaseMs: number): { head: number; behind: number } {
  return { head: queuePollMs, behind: Math.max(queuePollMs, Math.floor(queueLeaseMs / 4)) };
}

/**
 * The waiters of this instance, by resource, for the whole of their wait. A release (heard here or
 * on another instance) concerns only the local waiter with the lowest ticket: no other one can be
 * the head of the queue while it is registered on the nodes. Waking anyone else costs a vote on
 * every node that can only say "queued". Each node announces a release, so one release is heard
 * several times: the head is woken once, and if it is already voting it tries once more at once.
 */
export class QueueSleepers {
  private readonly byResource = new Map<string, Set<Waiter>>();
  private readonly intervalsMs: { head: number; behind: number };
  private readonly nowMs: () => number;

  constructor(intervalsMs: { head: number; behind: number }, nowMs: () => number = () => performance.now()) {
    this.intervalsMs = intervalsMs;
    this.nowMs = nowMs;
  }

  /** A waiter with its ticket enters this instance's queue for `resource`. */
  join(resource: string, ticket: number): QueuePlace {
    const waiter: Waiter = { resource, ticket, sleeping: null, isWakePending: false };
    let waiters = this.byResource.get(resource);
    if (!waiters) {
      waiters = new Set();
      this.byResource.set(resource, waiters);
    }
    waiters.add(waiter);
    return waiter;
  }

  /** Its ticket was issued (it joined before, as the last of this instance's waiters). */
  numbered(place: QueuePlace, ticket: number): void {
    const waiter = this.own(place);
    if (waiter) waiter.ticket = ticket;
  }

  /** It left (granted, gave up, failed): the next local waiter becomes the head and polls as one. */
  leave(place: QueuePlace): void {
    const waiters = this.byResource.get(place.resource);
    const waiter = this.own(place);
    if (!waiters || !waiter) return;
    if (waiter.sleeping) this.wake(waiter);
    waiters.delete(waiter);
    if (waiters.size === 0) {
      this.byResource.delete(place.resource);
      return;
    }
    const head = this.headOf(place.resource);
    const sleeping = head?.sleeping;
    if (!head || !sleeping) return;
    const untilMs = Math.min(sleeping.untilMs, this.nowMs() + this.intervalsMs.head);
    if (untilMs >= sleeping.untilMs) return;
    clearTimeout(sleeping.timer);
    sleeping.untilMs = untilMs;
    sleeping.timer = setTimeout(sleeping.wake, Math.max(0, untilMs - this.nowMs()));
  }

  /** Resolves at the next poll (the head's or the others', at most `maxMs`), or when woken as the head. */
  sleep(place: QueuePlace, maxMs: number): Promise<void> {
    const waiter = this.own(place);
    if (!waiter) return Promise.resolve();
    if (waiter.isWakePending) {
      waiter.isWakePending = false;
      return Promise.resolve();
    }
    const isHead = this.headOf(place.resource) === waiter;
    const ms = Math.min(maxMs, isHead ? this.intervalsMs.head : this.intervalsMs.behind);
    return new Promise((resolve) => {
      const wake = () => {
        if (waiter.sleeping) clearTimeout(waiter.sleeping.timer);
        waiter.sleeping = null;
        resolve();
      };
      waiter.sleeping = { wake, timer: setTimeout(wake, ms), untilMs: this.nowMs() + ms };
    });
  }

  /** Somebody released `resource`: the local waiter with the lowest ticket tries now. */
  wakeHead(resource: string): void {
    const head = this.headOf(resource);
    if (!head) return;
    if (head.sleeping) this.wake(head);
    else head.isWakePending = true;
  }

  /** Shutting down: every waiter tries once more and finds its way out. */
  wakeAll(): void {
    for (const waiters of this.byResource.values()) {
      for (const waiter of waiters) {
        if (waiter.sleeping) this.wake(waiter);
        else waiter.isWakePending = true;
      }
    }
  }

  private wake(waiter: Waiter): void {
    waiter.sleeping?.wake();
  }

  private own(place: QueuePlace): Waiter | undefined {
    const waiters = this.byResource.get(place.resource);
    return waiters?.has(place as Waiter) ? (place as Waiter) : undefined;
  }

  private headOf(resource: string): Waiter | undefined {
    let head: Waiter | undefined;
    for (const waiter of this.byResource.get(resource) ?? []) {
      if (!head || waiter.ticket < head.ticket) head = waiter;
    }
    return head;
  }
}

/**
 * The waiters of this instance between two attempts, by resource. A release
 * (heard here or on another instance) wakes only the local waiter with the
 * lowest ticket: only it can be the head of the queue; the others keep their
 * place by polling.
 */
export class QueueSleepers {
  private readonly byResource = new Map<string, Map<() => void, number>>();

  /** Resolves after `ms`, or earlier when woken as the head of `resource`'s local waiters. */
  sleep(resource: string, ticket: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let sleepers = this.byResource.get(resource);
      if (!sleepers) {
        sleepers = new Map();
        this.byResource.set(resource, sleepers);
      }
      const wakeUp = () => {
        clearTimeout(timer);
        sleepers.delete(wakeUp);
        if (sleepers.size === 0) this.byResource.delete(resource);
        resolve();
      };
      const timer = setTimeout(wakeUp, ms);
      sleepers.set(wakeUp, ticket);
    });
  }

  /** Somebody released `resource`: the local waiter(s) with the lowest ticket try at once. */
  wakeHead(resource: string): void {
    const sleepers = this.byResource.get(resource);
    if (!sleepers || sleepers.size === 0) return;
    const lowest = Math.min(...sleepers.values());
    for (const [wakeOne, ticket] of sleepers) if (ticket === lowest) wakeOne();
  }

  /** Shutting down: every waiter tries once more and finds its way out. */
  wakeAll(): void {
    for (const sleepers of this.byResource.values()) for (const wakeOne of sleepers.keys()) wakeOne();
  }
}

/**
 * The waiters of this instance on etcd, by the key each one waits to see
 * deleted (the recipe: wait for the contender just before yours). The watch
 * over every contender key calls `deleted`; a waiter also wakes after its
 * timeout, to renew its lease and look again.
 */
export class EtcdWaitQueue {
  private readonly wakers = new Map<string, Set<() => void>>();

  /** Resolves when `key` is deleted, or after `ms`. */
  waitForDelete(key: string, ms: number): Promise<void> {
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

  deleted(key: string): void {
    for (const wake of [...(this.wakers.get(key) ?? [])]) wake();
  }

  /** A safety net: entries are removed as they wake, so this only trims after something went wrong. */
  trim(): void {
    if (this.wakers.size > 1_000) this.wakers.clear();
  }

  /** Shutting down: every waiter looks once more and finds its way out. */
  wakeAll(): void {
    for (const set of this.wakers.values()) for (const wake of [...set]) wake();
  }
}

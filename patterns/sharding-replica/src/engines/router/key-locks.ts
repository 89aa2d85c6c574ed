/**
 * One in-process mutex per routing key. During a rebalance the migrator and
 * client requests for a moving key take it, so a key is never written on its
 * old owner after it moved, nor moved over a newer write. It works because
 * one router owns all routing; two routers would need a shared lock.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(id, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(id) === tail) this.tails.delete(id);
    }
  }

  get size(): number {
    return this.tails.size;
  }
}

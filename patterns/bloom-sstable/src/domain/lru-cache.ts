import { BoundedMap } from '@kvs-lab/shared/collections';

/**
 * The L1 cache: a bounded least-recently-used map in the process. A hit
 * makes its key the youngest; past capacity the oldest key goes first.
 */
export class LruCache<V, K = string> {
  private readonly map: BoundedMap<K, V>;

  constructor(capacity: number) {
    this.map = new BoundedMap(Math.max(0, Math.floor(capacity)));
  }

  get(key: K): V | undefined {
    return this.map.touch(key);
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';

/** The lab's running totals (applied, duplicates, evicted, claimed...): one hash the scripts add to as well. */
export class CounterStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  async all(): Promise<Record<string, number>> {
    const raw = await this.node.run((c) => c.hgetall(keys.counters));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  async bump(counter: string, by = 1): Promise<void> {
    await this.node.run((c) => c.hincrby(keys.counters, counter, by));
  }
}

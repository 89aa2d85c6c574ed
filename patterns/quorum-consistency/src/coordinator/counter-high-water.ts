import { BoundedMap } from '@kvs-lab/shared/collections';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { highestCounterOf, nextClock } from '../domain/versioned-value.ts';
import type { ReplicaStore } from '../store/replica-store.ts';

/** Keys whose highest own counter is remembered; past that the oldest is forgotten and read again from replicas. */
const capacity = 50_000;

/**
 * The highest counter this coordinator has issued per key, so that no two of
 * its writes of a key ever get equal clocks. The first time a key is seen
 * (e.g. after a restart) that counter is read from every replica that answers.
 */
export class CounterHighWater {
  private readonly byKey = new BoundedMap<string, number>(capacity);
  private readonly replicas: readonly ReplicaStore[];
  private readonly actor: string;
  private readonly maxClockEntries: number;

  constructor(replicas: readonly ReplicaStore[], actor: string, maxClockEntries: number) {
    this.replicas = replicas;
    this.actor = actor;
    this.maxClockEntries = maxClockEntries;
  }

  /** The clock for a new write by this coordinator: above the context, and above any counter it issued for the key. */
  async clockForWrite(key: string, context: VectorClock): Promise<VectorClock> {
    const actor = this.actor;
    let known = this.byKey.get(key);
    if (known === undefined) {
      const held = await Promise.all(
        this.replicas.map((replica) => replica.readVersions(key).catch(() => [])),
      );
      known = highestCounterOf(actor, held.flat());
    }
    // No await from here on: taking the counter and recording it happen in one step.
    const highWater = Math.max(known, this.byKey.get(key) ?? 0);
    const clock = nextClock({ context, actor, highWater, maxEntries: this.maxClockEntries });
    this.byKey.set(key, clock[actor]?.counter ?? highWater + 1);
    return clock;
  }
}

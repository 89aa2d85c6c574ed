import type { RedisNode } from '@kvs-lab/shared/redis';
import { CounterStore } from './counter-store.ts';
import { DeadLetterStore } from './dead-letter-store.ts';
import { DeliveryStore } from './delivery-store.ts';
import { GroupStore } from './group-store.ts';
import { InboxStore } from './inbox-store.ts';
import { keys } from './keys.ts';
import { RoomStore } from './room-store.ts';

/**
 * Every Redis command of line-streams goes through one of these parts, on one node, via the
 * kit's `run` so /chaos link faults and fail-fast errors apply. One part per aggregate: the
 * rooms, their consumer groups, the delivery effect, the inboxes, the dead letters, the counters.
 */
export class StreamStore {
  readonly node: RedisNode;
  readonly rooms: RoomStore;
  readonly groups: GroupStore;
  readonly delivery: DeliveryStore;
  readonly inboxes: InboxStore;
  readonly deadLetters: DeadLetterStore;
  readonly counters: CounterStore;

  constructor(node: RedisNode) {
    this.node = node;
    this.rooms = new RoomStore(node);
    this.counters = new CounterStore(node);
    this.groups = new GroupStore(node, this.rooms, this.counters);
    this.delivery = new DeliveryStore(node);
    this.inboxes = new InboxStore(node);
    this.deadLetters = new DeadLetterStore(node);
  }

  /** Rare events on the pub/sub channel every instance's live view listens to. */
  async publish(event: unknown): Promise<void> {
    await this.node.run((c) => c.publish(keys.events, JSON.stringify(event)));
  }
}

import { LuaScript } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';
import { decodeDeliverReply } from './script-replies.ts';
import type { DeliveryRunReply } from './script-replies.ts';

/** Applies a run of one room's entries, in order and at most once each: see its header. */
const deliverScript = new LuaScript(
  [new URL('./lua/stream-ids.lua', import.meta.url), new URL('./lua/deliver.lua', import.meta.url)],
  decodeDeliverReply,
);

export interface DeliveryRun {
  readonly group: string;
  readonly room: string;
  /** Oldest first. */
  readonly entries: readonly { id: string; handlerFailed: boolean }[];
  readonly maxDeliveries: number;
  readonly inboxMaxLen: number;
  readonly deadLetterMaxLen: number;
  /** Apply at most this many effects (0: no limit): the crash-before-ack fault. */
  readonly maxApplied: number;
  readonly consumer: string;
  readonly now: number;
}

/** The workers' effect: inbox entries and unread counts, behind the room's applied mark. */
export class DeliveryStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  /**
   * Applies a run of one room's entries (oldest first) in one script call. Answers one outcome per entry
   * attempted; the run stops at the first NOT_YET or FAILED, or after `maxApplied` effects (0: no limit).
   */
  async applyRun(run: DeliveryRun): Promise<DeliveryRunReply> {
    return this.node.run((c) =>
      deliverScript.run(
        c,
        [keys.stream(run.room), keys.applied, keys.deadLetters, keys.counters, keys.members(run.room)],
        [
          run.group,
          run.room,
          run.maxDeliveries,
          run.inboxMaxLen,
          run.consumer,
          run.now,
          run.deadLetterMaxLen,
          run.maxApplied,
          keys.inbox(''),
          keys.unread(''),
          ...run.entries.flatMap((e) => [e.id, e.handlerFailed ? '1' : '0']),
        ],
      ),
    );
  }
}

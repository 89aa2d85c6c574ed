import { LuaScript } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';
import { decodeDeliverReply } from './script-replies.ts';
import type { DeliveryBatchReply } from './script-replies.ts';

/** Applies a batch of room runs, each in order and each message at most once: see its header. */
const deliverScript = new LuaScript(
  [new URL('./lua/stream-ids.lua', import.meta.url), new URL('./lua/deliver.lua', import.meta.url)],
  decodeDeliverReply,
);

/** One room's held entries, oldest first. */
export interface RoomRun {
  readonly room: string;
  readonly entries: readonly { id: string; handlerFailed: boolean }[];
}

export interface DeliveryBatch {
  readonly group: string;
  /** Runs with at least one entry each. */
  readonly runs: readonly RoomRun[];
  readonly maxDeliveries: number;
  readonly inboxMaxLen: number;
  readonly deadLetterMaxLen: number;
  /** Apply at most this many effects in the whole batch (0: no limit): the crash-before-ack fault. */
  readonly maxApplied: number;
  readonly consumer: string;
  readonly now: number;
}

/** One run as deliver.lua reads it: room, n, f, the n ids, then the positions (1..n) of the f failed ones. */
function runArguments(run: RoomRun): (string | number)[] {
  const failed: number[] = [];
  const args: (string | number)[] = [run.room, run.entries.length, 0];
  for (const [index, entry] of run.entries.entries()) {
    args.push(entry.id);
    if (entry.handlerFailed) failed.push(index + 1);
  }
  args[2] = failed.length;
  return args.concat(failed);
}

/** The workers' effect: inbox entries and unread counts, behind each room's applied mark. */
export class DeliveryStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  /**
   * Applies every run of the batch in one script call (one round trip, however many rooms). Answers, per
   * run, one outcome per entry attempted; a run stops at its first NOT_YET or FAILED, and the whole batch
   * after `maxApplied` effects.
   */
  async applyBatch(batch: DeliveryBatch): Promise<DeliveryBatchReply> {
    if (batch.runs.length === 0) return { runs: [], skipped: 0 };
    return this.node.run((c) =>
      deliverScript.run(
        c,
        [
          keys.applied,
          keys.deadLetters,
          keys.counters,
          ...batch.runs.flatMap((run) => [keys.stream(run.room), keys.members(run.room)]),
        ],
        [
          batch.group,
          batch.maxDeliveries,
          batch.inboxMaxLen,
          batch.consumer,
          batch.now,
          batch.deadLetterMaxLen,
          batch.maxApplied,
          keys.inbox(''),
          keys.unread(''),
          ...batch.runs.flatMap(runArguments),
        ],
      ),
    );
  }
}

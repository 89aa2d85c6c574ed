import { LuaScript } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';
import { decodeSendReply } from './script-replies.ts';
import type { SendResult } from './script-replies.ts';
import { messageFields, toMessage } from './stream-entry.ts';
import type { StoredMessage } from './stream-entry.ts';

/** Appends a message (or re-queues a dead letter) with dedup, rate window and capacity: see its header. */
const sendScript = new LuaScript(
  [new URL('./lua/stream-ids.lua', import.meta.url), new URL('./lua/send.lua', import.meta.url)],
  decodeSendReply,
);

export interface SendLimits {
  readonly maxLen: number;
  /** 0: no age limit. */
  readonly maxAgeMs: number;
  readonly deadLetterMaxLen: number;
  readonly replaysMaxLen: number;
  readonly dedupTtlMs: number;
  readonly rateLimit: number;
  readonly rateWindowMs: number;
  readonly group: string;
}

const streamPrefix = keys.stream('');

/** A `lab:line-streams:stream:<room>` key back to its room. */
export function roomOfStream(streamKey: string): string {
  return streamKey.slice(streamPrefix.length);
}

/** The rooms: their streams (what was sent), their members and their applied marks. */
export class RoomStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  async send(
    room: string,
    message: { senderId: string; text: string; clientMsgId?: string | undefined; sentAt: number },
    limits: SendLimits,
  ): Promise<SendResult> {
    return this.runSend(room, message.clientMsgId, '', messageFields(message), limits);
  }

  /** Re-queues a dead letter into its room as a new entry (new id), atomically removing the dead letter. */
  async replay(room: string, deadLetterId: string, limits: SendLimits): Promise<SendResult> {
    return this.runSend(room, undefined, deadLetterId, [], limits);
  }

  private async runSend(
    room: string,
    clientMsgId: string | undefined,
    replayOf: string,
    fields: string[],
    limits: SendLimits,
  ): Promise<SendResult> {
    return this.node.run((c) =>
      sendScript.run(
        c,
        [
          keys.stream(room),
          keys.rooms,
          keys.groups,
          keys.dedup(room, clientMsgId ?? '-'),
          keys.rate(room),
          keys.applied,
          keys.deadLetters,
          keys.counters,
          keys.replays,
        ],
        [
          room,
          limits.maxLen,
          limits.dedupTtlMs,
          limits.rateLimit,
          limits.rateWindowMs,
          replayOf,
          clientMsgId ? '1' : '0',
          limits.group,
          limits.maxAgeMs,
          limits.deadLetterMaxLen,
          limits.replaysMaxLen,
          ...fields,
        ],
      ),
    );
  }

  async readMessages(room: string, after: string | undefined, limit: number): Promise<StoredMessage[]> {
    const from = after ? `(${after}` : '-';
    const entries = await this.node.run((c) => c.xrange(keys.stream(room), from, '+', 'COUNT', limit));
    return entries.map((e) => toMessage(room, e));
  }

  /** The newest `count` entries, oldest first. */
  async tail(room: string, count: number): Promise<StoredMessage[]> {
    const entries = await this.node.run((c) => c.xrevrange(keys.stream(room), '+', '-', 'COUNT', count));
    return entries.map((e) => toMessage(room, e)).reverse();
  }

  async info(room: string): Promise<{ length: number; appliedId: string | null; exists: boolean }> {
    const [length, applied, exists] = await this.node.run(async (c) =>
      Promise.all([c.xlen(keys.stream(room)), c.hget(keys.applied, room), c.exists(keys.stream(room))]),
    );
    return { length, appliedId: applied, exists: exists === 1 };
  }

  /** Every room that has a stream, sorted. */
  async names(): Promise<string[]> {
    return (await this.node.run((c) => c.smembers(keys.rooms))).sort();
  }

  /** Room -> the newest entry whose effect is applied. */
  async appliedMarks(): Promise<Record<string, string>> {
    return this.node.run((c) => c.hgetall(keys.applied));
  }

  async setMembers(room: string, members: readonly string[]): Promise<void> {
    await this.node.run(async (c) => {
      const tx = c.multi().del(keys.members(room));
      if (members.length > 0) tx.sadd(keys.members(room), ...members);
      await tx.exec();
    });
  }

  async members(room: string): Promise<string[]> {
    return (await this.node.run((c) => c.smembers(keys.members(room)))).sort();
  }
}

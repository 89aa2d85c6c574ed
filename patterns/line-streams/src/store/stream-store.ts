import type { Redis } from 'ioredis';
import { LuaScript } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { parseDeliveryOutcome } from '../domain/delivery-outcome.ts';
import type { DeliveryOutcome } from '../domain/delivery-outcome.ts';
import { keys } from './keys.ts';
import { fieldMap, messageFields, toMessage } from './stream-entry.ts';
import type { RawEntry, StoredMessage } from './stream-entry.ts';

/** The two Lua scripts in `lua/`, each with its contract header. */
const scripts = {
  send: new LuaScript(new URL('./lua/send.lua', import.meta.url)),
  deliver: new LuaScript(new URL('./lua/deliver.lua', import.meta.url)),
} as const;

export type SendResult =
  | {
      readonly kind: 'added';
      readonly id: string;
      readonly evicted: number;
      readonly evictedUndelivered: number;
      readonly evictedByAge: number;
    }
  | { readonly kind: 'duplicate'; readonly id: string }
  | { readonly kind: 'key-reused'; readonly firstId: string }
  | { readonly kind: 'rate-limited'; readonly remainingMs: number }
  | { readonly kind: 'no-dead-letter' };

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

export interface DeadLetter extends StoredMessage {
  /** The dead-letter stream's own id (what replay takes). */
  readonly deadLetterId: string;
  readonly originalId: string;
  readonly reason: string;
  readonly deliveries: number;
  readonly consumer?: string;
}

export interface PendingEntry {
  readonly room: string;
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

export interface GroupOnRoom {
  readonly room: string;
  readonly lastDeliveredId: string;
  readonly entriesRead: number | null;
  readonly lag: number | null;
  readonly pending: number;
  readonly consumers: readonly { name: string; pending: number; idleMs: number }[];
}

/** One claimed entry and whose it was: XAUTOCLAIM's reply does not say, the XPENDING before it does. */
export interface ClaimRecord {
  readonly room: string;
  readonly id: string;
  /** `unknown` when the entry went idle between the XPENDING and the XAUTOCLAIM. */
  readonly previousOwner: string;
  readonly idleMs: number;
  /** The delivery count after this claim. */
  readonly deliveries: number;
}

export interface ClaimResult {
  readonly claimed: StoredMessage[];
  /** Ids that were pending but are no longer in the stream (trimmed): XAUTOCLAIM dropped them from the PEL. */
  readonly deleted: { room: string; id: string }[];
}

const streamPrefix = keys.stream('');

/** A `lab:line-streams:stream:<room>` key back to its room. */
export function roomOfStream(streamKey: string): string {
  return streamKey.slice(streamPrefix.length);
}

const num = (value: unknown): number => Number(value ?? 0);

/** Pairs `[k1, v1, k2, v2]` (XINFO under RESP2 or flattened RESP3) to a record. */
function pairs(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

/**
 * Every Redis command of line-streams goes through here, on one node, via the
 * kit's `run` so /chaos link faults and fail-fast errors apply.
 */
export class StreamStore {
  readonly node: RedisNode;

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
    const reply = (await this.node.run((c) =>
      scripts.send.run(
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
    )) as [string, ...unknown[]];
    switch (reply[0]) {
      case 'DUPLICATE':
        return { kind: 'duplicate', id: String(reply[1]) };
      case 'KEY_REUSED':
        return { kind: 'key-reused', firstId: String(reply[1]) };
      case 'RATE_LIMITED':
        return { kind: 'rate-limited', remainingMs: num(reply[1]) };
      case 'NO_DEAD_LETTER':
        return { kind: 'no-dead-letter' };
      default:
        return {
          kind: 'added',
          id: String(reply[1]),
          evicted: num(reply[2]),
          evictedUndelivered: num(reply[3]),
          evictedByAge: num(reply[4]),
        };
    }
  }

  async readMessages(room: string, after: string | undefined, limit: number): Promise<StoredMessage[]> {
    const from = after ? `(${after}` : '-';
    const entries = (await this.node.run((c) =>
      c.xrange(keys.stream(room), from, '+', 'COUNT', limit),
    )) as RawEntry[];
    return entries.map((e) => toMessage(room, e));
  }

  async roomInfo(room: string): Promise<{ length: number; appliedId: string | null; exists: boolean }> {
    const [length, applied, exists] = await this.node.run(async (c) =>
      Promise.all([c.xlen(keys.stream(room)), c.hget(keys.applied, room), c.exists(keys.stream(room))]),
    );
    return { length, appliedId: applied, exists: exists === 1 };
  }

  async rooms(): Promise<string[]> {
    return (await this.node.run((c) => c.smembers(keys.rooms))).sort();
  }

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

  async inbox(
    user: string,
    limit: number,
  ): Promise<{ unread: number; total: number; messages: StoredMessage[] }> {
    const [unread, total, raw] = await this.node.run((c) =>
      Promise.all([
        c.get(keys.unread(user)),
        c.llen(keys.inbox(user)),
        c.lrange(keys.inbox(user), 0, limit - 1),
      ]),
    );
    return {
      unread: num(unread),
      total,
      messages: raw.map((json) => JSON.parse(json) as StoredMessage),
    };
  }

  /** The whole inbox, oldest first, for the checker. */
  async fullInbox(user: string): Promise<{ room: string; id: string }[]> {
    const raw = await this.node.run((c) => c.lrange(keys.inbox(user), 0, -1));
    return raw.reverse().map((json) => {
      const m = JSON.parse(json) as StoredMessage;
      return { room: m.room, id: m.id };
    });
  }

  async markRead(user: string): Promise<number> {
    const previous = await this.node.run((c) => c.getset(keys.unread(user), '0'));
    return num(previous);
  }

  async knownGroups(): Promise<string[]> {
    return (await this.node.run((c) => c.smembers(keys.groups))).sort();
  }

  /** Creates the group on every room's stream (new rooms get it too); false when it existed. */
  async createGroup(group: string, startId: string): Promise<boolean> {
    const isNew = (await this.node.run((c) => c.sadd(keys.groups, group))) === 1;
    for (const room of await this.rooms()) {
      await this.node.run(async (c) => {
        try {
          await c.xgroup('CREATE', keys.stream(room), group, startId);
        } catch (error) {
          if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
        }
      });
    }
    return isNew;
  }

  async groupOnRooms(group: string): Promise<GroupOnRoom[]> {
    const result: GroupOnRoom[] = [];
    for (const room of await this.rooms()) {
      const stream = keys.stream(room);
      const infos = (await this.node.run((c) => c.xinfo('GROUPS', stream))) as unknown[];
      const info = infos.map(pairs).find((g) => g.name === group);
      if (!info) continue;
      const consumers = ((await this.node.run((c) => c.xinfo('CONSUMERS', stream, group))) as unknown[])
        .map(pairs)
        .map((c) => ({ name: String(c.name), pending: num(c.pending), idleMs: num(c.idle) }));
      result.push({
        room,
        lastDeliveredId: String(info['last-delivered-id']),
        entriesRead: info['entries-read'] === null ? null : num(info['entries-read']),
        lag: info.lag === null || info.lag === undefined ? null : num(info.lag),
        pending: num(info.pending),
        consumers,
      });
    }
    return result;
  }

  async pending(group: string, limitPerRoom: number): Promise<PendingEntry[]> {
    const all: PendingEntry[] = [];
    for (const room of await this.rooms()) {
      const rows = (await this.node.run((c) =>
        c.xpending(keys.stream(room), group, '-', '+', limitPerRoom),
      )) as [string, string, number, number][];
      for (const [id, consumer, idleMs, deliveries] of rows) {
        all.push({ room, id, consumer, idleMs: num(idleMs), deliveries: num(deliveries) });
      }
    }
    return all;
  }

  /**
   * XREADGROUP over every room: `>` for new entries. Runs on `client` (a
   * blocking client when blockMs > 0: the normal one would time out at 200 ms).
   */
  async readGroup(
    client: Redis,
    group: string,
    consumer: string,
    rooms: readonly string[],
    count: number,
    blockMs: number,
  ): Promise<StoredMessage[]> {
    if (rooms.length === 0) return [];
    const streams = rooms.map((room) => keys.stream(room));
    const ids = rooms.map(() => '>');
    const command = (c: Redis) =>
      blockMs > 0
        ? c.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'BLOCK',
            blockMs,
            'STREAMS',
            ...streams,
            ...ids,
          )
        : c.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', ...streams, ...ids);
    const reply: unknown = await this.node.run(() => command(client));
    return ((reply ?? []) as [string, RawEntry[]][]).flatMap(([stream, entries]) =>
      entries.map((e) => toMessage(roomOfStream(stream), e)),
    );
  }

  async ack(group: string, room: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.node.run((c) => c.xack(keys.stream(room), group, ...ids));
  }

  /**
   * XPENDING ... IDLE: the room's entries idle at least minIdleMs, with their owners. A worker asks
   * this before XAUTOCLAIM, whose reply does not say whose entries it took.
   */
  async idlePending(group: string, room: string, minIdleMs: number, count: number): Promise<PendingEntry[]> {
    const rows = (await this.node.run((c) =>
      c.xpending(keys.stream(room), group, 'IDLE', minIdleMs, '-', '+', count),
    )) as [string, string, number, number][];
    return rows.map(([id, consumer, idleMs, deliveries]) => ({
      room,
      id,
      consumer,
      idleMs: num(idleMs),
      deliveries: num(deliveries),
    }));
  }

  /**
   * XPENDING ... IDLE on every room, then XAUTOCLAIM on the rooms that have idle entries: the same
   * claim, plus the owner each entry was taken from. In the common case (nothing idle) it costs
   * one command per room, as XAUTOCLAIM alone would.
   */
  async claimIdle(
    group: string,
    consumer: string,
    minIdleMs: number,
    rooms: readonly string[],
    countPerRoom: number,
  ): Promise<ClaimResult & { readonly records: ClaimRecord[] }> {
    const idle = new Map<string, PendingEntry>();
    for (const room of rooms) {
      for (const p of await this.idlePending(group, room, minIdleMs, countPerRoom))
        idle.set(`${room}/${p.id}`, p);
    }
    if (idle.size === 0) return { claimed: [], deleted: [], records: [] };
    const idleRooms = [...new Set([...idle.values()].map((p) => p.room))];
    const result = await this.claim(group, consumer, minIdleMs, idleRooms, countPerRoom);
    const records = result.claimed.map((m) => {
      const seen = idle.get(`${m.room}/${m.id}`);
      return {
        room: m.room,
        id: m.id,
        previousOwner: seen?.consumer ?? 'unknown',
        idleMs: seen?.idleMs ?? minIdleMs,
        deliveries: (seen?.deliveries ?? 0) + 1,
      };
    });
    return { ...result, records };
  }

  /** XAUTOCLAIM on every room: entries idle for minIdleMs move to `consumer`, their delivery count + 1. */
  async claim(
    group: string,
    consumer: string,
    minIdleMs: number,
    rooms: readonly string[],
    countPerRoom: number,
  ): Promise<ClaimResult> {
    const claimed: StoredMessage[] = [];
    const deleted: { room: string; id: string }[] = [];
    for (const room of rooms) {
      const reply = (await this.node.run((c) =>
        c.xautoclaim(keys.stream(room), group, consumer, minIdleMs, '0-0', 'COUNT', countPerRoom),
      )) as [string, RawEntry[], string[]?];
      for (const entry of reply[1]) {
        if (entry[1]) claimed.push(toMessage(room, entry));
        else deleted.push({ room, id: entry[0] });
      }
      for (const id of reply[2] ?? []) deleted.push({ room, id });
    }
    if (claimed.length > 0) await this.bump('claimed', claimed.length);
    return { claimed, deleted };
  }

  /** "Still working on it": resets idle time without counting a delivery (XCLAIM ... JUSTID). */
  async heartbeat(group: string, consumer: string, room: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.node.run((c) => c.xclaim(keys.stream(room), group, consumer, 0, ...ids, 'JUSTID'));
  }

  /**
   * Applies a run of one room's entries (oldest first) in one script call. Answers one outcome per entry
   * attempted; the run stops at the first NOT_YET or FAILED, or after `maxApplied` effects (0: no limit).
   */
  async deliverRun(options: {
    group: string;
    room: string;
    entries: readonly { id: string; handlerFailed: boolean }[];
    maxDeliveries: number;
    inboxMaxLen: number;
    deadLetterMaxLen: number;
    maxApplied: number;
    consumer: string;
    now: number;
  }): Promise<{ outcomes: { outcome: DeliveryOutcome; deliveries: number }[]; skipped: number }> {
    const reply = (await this.node.run((c) =>
      scripts.deliver.run(
        c,
        [
          keys.stream(options.room),
          keys.applied,
          keys.deadLetters,
          keys.counters,
          keys.members(options.room),
        ],
        [
          options.group,
          options.room,
          options.maxDeliveries,
          options.inboxMaxLen,
          options.consumer,
          options.now,
          options.deadLetterMaxLen,
          options.maxApplied,
          keys.inbox(''),
          keys.unread(''),
          ...options.entries.flatMap((e) => [e.id, e.handlerFailed ? '1' : '0']),
        ],
      ),
    )) as [[string, number][], number];
    return {
      outcomes: reply[0].map(([outcome, deliveries]) => ({
        outcome: parseDeliveryOutcome(outcome),
        deliveries: num(deliveries),
      })),
      skipped: num(reply[1]),
    };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const entries = (await this.node.run((c) =>
      c.xrevrange(keys.deadLetters, '+', '-', 'COUNT', limit),
    )) as RawEntry[];
    return entries.map((entry) => this.toDeadLetter(entry));
  }

  async deadLetter(id: string): Promise<DeadLetter | undefined> {
    const entries = (await this.node.run((c) => c.xrange(keys.deadLetters, id, id))) as RawEntry[];
    const [entry] = entries;
    return entry ? this.toDeadLetter(entry) : undefined;
  }

  /** Dead letters re-queued by a replay (the newest REPLAYS_MAX_LEN of them). */
  async replays(): Promise<{ room: string; originalId: string; id: string }[]> {
    const entries = (await this.node.run((c) => c.xrange(keys.replays, '-', '+'))) as RawEntry[];
    return entries.map(([, fields]) => {
      const f = fieldMap(fields);
      return { room: f.room ?? '', originalId: f.originalId ?? '', id: f.id ?? '' };
    });
  }

  async deadLetterCount(): Promise<number> {
    return this.node.run((c) => c.xlen(keys.deadLetters));
  }

  private toDeadLetter(entry: RawEntry): DeadLetter {
    const f = fieldMap(entry[1]);
    const message = toMessage(f.room ?? '', [f.originalId ?? '', entry[1]]);
    return {
      ...message,
      deadLetterId: entry[0],
      originalId: f.originalId ?? '',
      reason: f.reason ?? '',
      deliveries: num(f.deliveries),
      ...(f.consumer ? { consumer: f.consumer } : {}),
    };
  }

  async counters(): Promise<Record<string, number>> {
    const raw = await this.node.run((c) => c.hgetall(keys.counters));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  async bump(counter: string, by = 1): Promise<void> {
    await this.node.run((c) => c.hincrby(keys.counters, counter, by));
  }

  async unreadCounts(users: readonly string[]): Promise<Record<string, number>> {
    if (users.length === 0) return {};
    const values = await this.node.run((c) => c.mget(...users.map((u) => keys.unread(u))));
    return Object.fromEntries(users.map((u, i) => [u, num(values[i])]));
  }

  async inboxLength(user: string): Promise<number> {
    return this.node.run((c) => c.llen(keys.inbox(user)));
  }

  async tail(room: string, count: number): Promise<StoredMessage[]> {
    const entries = (await this.node.run((c) =>
      c.xrevrange(keys.stream(room), '+', '-', 'COUNT', count),
    )) as RawEntry[];
    return entries.map((e) => toMessage(room, e)).reverse();
  }

  async publish(event: unknown): Promise<void> {
    await this.node.run((c) => c.publish(keys.events, JSON.stringify(event)));
  }
}

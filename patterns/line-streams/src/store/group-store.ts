import type { Redis } from 'ioredis';
import { LuaScript, integerReply } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import type { CounterStore } from './counter-store.ts';
import { keys } from './keys.ts';
import { num, pairs } from './redis-values.ts';
import { roomOfStream } from './room-store.ts';
import type { RoomStore } from './room-store.ts';
import { toMessage } from './stream-entry.ts';
import type { RawEntry, StoredMessage } from './stream-entry.ts';

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

/** XACK of a batch's rooms in one command: see its header. */
const ackScript = new LuaScript(new URL('./lua/ack.lua', import.meta.url), integerReply('ack'));

type PendingRow = [id: string, consumer: string, idleMs: number, deliveries: number];

/** One XPENDING row (extended form) of `room`. */
function toPendingEntry(room: string, [id, consumer, idleMs, deliveries]: PendingRow): PendingEntry {
  return { room, id, consumer, idleMs: num(idleMs), deliveries: num(deliveries) };
}

/** The integer replies of a pipeline summed; its first error thrown once all are read. */
function sumOrThrow(replies: readonly [Error | null, unknown][]): number {
  const failed = replies.find(([error]) => error !== null);
  if (failed?.[0]) throw failed[0];
  return replies.reduce((sum, [, value]) => sum + num(value), 0);
}

/**
 * The consumer groups on every room's stream: reading (XREADGROUP), the pending entries list
 * (XPENDING), acks, heartbeats and claims (XAUTOCLAIM).
 */
export class GroupStore {
  private readonly node: RedisNode;
  private readonly rooms: RoomStore;
  private readonly counters: CounterStore;

  constructor(node: RedisNode, rooms: RoomStore, counters: CounterStore) {
    this.node = node;
    this.rooms = rooms;
    this.counters = counters;
  }

  async known(): Promise<string[]> {
    return (await this.node.run((c) => c.smembers(keys.groups))).sort();
  }

  /** Creates the group on every room's stream (new rooms get it too); false when it existed. */
  async create(group: string, startId: string): Promise<boolean> {
    const isNew = (await this.node.run((c) => c.sadd(keys.groups, group))) === 1;
    for (const room of await this.rooms.names()) {
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

  async onRooms(group: string): Promise<GroupOnRoom[]> {
    const result: GroupOnRoom[] = [];
    for (const room of await this.rooms.names()) {
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
    for (const room of await this.rooms.names()) {
      const rows = (await this.node.run((c) =>
        c.xpending(keys.stream(room), group, '-', '+', limitPerRoom),
      )) as PendingRow[];
      for (const row of rows) all.push(toPendingEntry(room, row));
    }
    return all;
  }

  /**
   * XREADGROUP over every room: `>` for new entries. Runs on `client` (a
   * blocking client when blockMs > 0: the normal one would time out at 200 ms).
   */
  async read(
    client: Redis,
    group: string,
    consumer: string,
    rooms: readonly string[],
    count: number,
    blockMs: number,
  ): Promise<StoredMessage[]> {
    return this.readAs(client, group, consumer, rooms, count, blockMs, toMessage);
  }

  /** The same read, each entry converted by `toEntry` (a worker converts only what it holds). */
  async readAs<T>(
    client: Redis,
    group: string,
    consumer: string,
    rooms: readonly string[],
    count: number,
    blockMs: number,
    toEntry: (room: string, entry: RawEntry) => T,
  ): Promise<T[]> {
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
    const result: T[] = [];
    for (const [stream, entries] of (reply ?? []) as [string, RawEntry[]][]) {
      const room = roomOfStream(stream);
      for (const entry of entries) result.push(toEntry(room, entry));
    }
    return result;
  }

  async ack(group: string, room: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.node.run((c) => c.xack(keys.stream(room), group, ...ids));
  }

  /**
   * XACK of several rooms' ids in one script call (one command, one round trip), after their effects.
   * Nothing of it is acked when it fails: those entries stay in the PEL, where a claim finds them.
   */
  async ackRuns(group: string, runs: readonly { room: string; ids: readonly string[] }[]): Promise<number> {
    const nonEmpty = runs.filter((r) => r.ids.length > 0);
    if (nonEmpty.length === 0) return 0;
    return this.node.run((c) =>
      ackScript.run(
        c,
        nonEmpty.map((r) => keys.stream(r.room)),
        [group, ...nonEmpty.flatMap((r) => [r.ids.length, ...r.ids])],
      ),
    );
  }

  /**
   * "Still working on it": resets idle time without counting a delivery (XCLAIM ... JUSTID), for several
   * rooms' ids in one pipeline.
   */
  async heartbeat(
    group: string,
    consumer: string,
    runs: readonly { room: string; ids: readonly string[] }[],
  ): Promise<void> {
    const nonEmpty = runs.filter((r) => r.ids.length > 0);
    if (nonEmpty.length === 0) return;
    await this.node.run(async (c) => {
      const pipeline = c.pipeline();
      for (const run of nonEmpty)
        pipeline.xclaim(keys.stream(run.room), group, consumer, 0, ...run.ids, 'JUSTID');
      return sumOrThrow((await pipeline.exec()) ?? []);
    });
  }

  /**
   * XPENDING ... IDLE on every room, in one pipeline: the entries idle at least minIdleMs, with their
   * owners. A worker asks this before XAUTOCLAIM, whose reply does not say whose entries it took.
   */
  async idlePending(
    group: string,
    rooms: readonly string[],
    minIdleMs: number,
    countPerRoom: number,
  ): Promise<PendingEntry[]> {
    if (rooms.length === 0) return [];
    const replies = await this.node.run(async (c) => {
      const pipeline = c.pipeline();
      for (const room of rooms)
        pipeline.xpending(keys.stream(room), group, 'IDLE', minIdleMs, '-', '+', countPerRoom);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null);
      if (failed?.[0]) throw failed[0];
      return results.map(([, rows]) => rows as PendingRow[]);
    });
    return replies.flatMap((rows, index) => rows.map((row) => toPendingEntry(rooms[index] ?? '', row)));
  }

  /**
   * XPENDING ... IDLE on every room, then XAUTOCLAIM on the rooms that have idle entries: the same
   * claim, plus the owner each entry was taken from. In the common case (nothing idle) it costs
   * one pipelined round trip.
   */
  async claimIdle(
    group: string,
    consumer: string,
    minIdleMs: number,
    rooms: readonly string[],
    countPerRoom: number,
  ): Promise<ClaimResult & { readonly records: ClaimRecord[] }> {
    const idle = new Map<string, PendingEntry>();
    for (const p of await this.idlePending(group, rooms, minIdleMs, countPerRoom))
      idle.set(`${p.room}/${p.id}`, p);
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
    if (claimed.length > 0) await this.counters.bump('claimed', claimed.length);
    return { claimed, deleted };
  }
}

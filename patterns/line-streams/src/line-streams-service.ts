import type { History } from '@kvs-lab/shared/history';
import { recorded } from '@kvs-lab/shared/history';
import type { CheckVerdict } from '@kvs-lab/shared/history';
import { summariseConsumers } from './domain/consumer-summary.ts';
import { checkDeliveries } from './check/delivery-check.ts';
import type { InboxState, RoomState } from './check/delivery-check.ts';
import { acknowledgedSends } from './check/line-history.ts';
import type { LineInput, LineOperation, LineOutput, SendInput, SendOutput } from './check/line-history.ts';
import { recipientsOf } from './domain/room-order.ts';
import { isTextTooLarge, retryAfterSeconds, textSizeBytes } from './domain/send-rules.ts';
import type { StreamSettings } from './config.ts';
import type { LineStreamsEvent } from './realtime/events.ts';
import { claimEvents, claimMessages, replayMessages, sendMessages } from './realtime/protocol-messages.ts';
import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { SendLimits } from './store/room-store.ts';
import type { StreamStore } from './store/stream-store.ts';
import { AppError } from './errors.ts';

/**
 * The use cases, in the order a message lives: send (dedup, rate, size,
 * capacity), read, deliver (the workers), recover (claim), give up (dead
 * letters), replay; and the check of the whole promise over the history.
 */
export class LineStreamsService {
  private readonly limits: SendLimits;
  private readonly store: StreamStore;
  private readonly settings: StreamSettings;
  private readonly history: History<LineInput, LineOutput>;
  private readonly announce: (event: LineStreamsEvent, scope: 'local' | 'everywhere') => void;
  private readonly trace: (messages: ProtocolMessage[]) => void;

  constructor(
    store: StreamStore,
    settings: StreamSettings,
    history: History<LineInput, LineOutput>,
    announce: (event: LineStreamsEvent, scope: 'local' | 'everywhere') => void,
    trace: (messages: ProtocolMessage[]) => void = () => undefined,
  ) {
    this.store = store;
    this.settings = settings;
    this.history = history;
    this.announce = announce;
    this.trace = trace;
    this.limits = {
      maxLen: settings.ROOM_MAX_LEN,
      maxAgeMs: settings.ROOM_MAX_AGE_MS,
      deadLetterMaxLen: settings.DEAD_LETTER_MAX_LEN,
      replaysMaxLen: settings.REPLAYS_MAX_LEN,
      dedupTtlMs: settings.DEDUP_TTL_MS,
      rateLimit: settings.RATE_LIMIT,
      rateWindowMs: settings.RATE_WINDOW_MS,
      group: settings.DELIVERY_GROUP,
    };
  }

  async send(
    room: string,
    body: { senderId: string; text: string; clientMsgId?: string | undefined },
    requestId: string,
  ) {
    // Checked before anything is written: a 413 stores nothing.
    if (isTextTooLarge(body.text, this.settings.MAX_TEXT_BYTES)) {
      throw new AppError(
        'MESSAGE_TOO_LARGE',
        `The text is ${textSizeBytes(body.text)} bytes; this room takes at most ${this.settings.MAX_TEXT_BYTES}.`,
        { extras: { sizeBytes: textSizeBytes(body.text), maxTextBytes: this.settings.MAX_TEXT_BYTES } },
      );
    }
    const input: SendInput = {
      room,
      senderId: body.senderId,
      ...(body.clientMsgId ? { clientMsgId: body.clientMsgId } : {}),
    };
    // The route answers the whole result (evictions too); the history keeps the checker's view of it.
    const stored = await recorded(
      this.history,
      requestId,
      'send',
      input,
      async () => {
        const result = await this.store.rooms.send(room, { ...body, sentAt: Date.now() }, this.limits);
        switch (result.kind) {
          case 'rate-limited': {
            const seconds = retryAfterSeconds(result.remainingMs);
            throw new AppError(
              'RATE_LIMITED',
              `Room ${room} takes ${this.settings.RATE_LIMIT} messages per ${this.settings.RATE_WINDOW_MS} ms; retry in ${seconds} s.`,
              { headers: { 'Retry-After': String(seconds) }, extras: { retryAfterSeconds: seconds } },
            );
          }
          case 'key-reused':
            // Answering "duplicate" would drop the new content without a word: the client has a bug.
            throw new AppError(
              'IDEMPOTENCY_KEY_REUSED',
              `clientMsgId ${body.clientMsgId ?? ''} was already used in room ${room} for another sender or text (message ${result.firstId}); use a new clientMsgId for a new message.`,
              { extras: { firstId: result.firstId } },
            );
          case 'no-dead-letter':
            throw new Error('send answered as a replay');
          case 'duplicate':
            return { id: result.id, duplicate: true, evicted: 0, evictedUndelivered: 0, evictedByAge: 0 };
          case 'added':
            return {
              id: result.id,
              duplicate: false,
              evicted: result.evicted,
              evictedUndelivered: result.evictedUndelivered,
              evictedByAge: result.evictedByAge,
            };
        }
      },
      (result): SendOutput => ({ id: result.id, duplicate: result.duplicate }),
    );
    const { id, duplicate, evicted, evictedUndelivered, evictedByAge } = stored;
    const clientMsgId = body.clientMsgId ? { clientMsgId: body.clientMsgId } : {};
    this.trace(
      sendMessages(
        this.settings.SERVICE_NAME,
        room,
        duplicate
          ? { kind: 'duplicate', id, ...clientMsgId }
          : { kind: 'added', id, evictedUndelivered, ...clientMsgId },
      ),
    );
    this.announce(
      {
        event: 'message:sent',
        payload: { room, id, senderId: body.senderId, duplicate, evicted },
      },
      'local',
    );
    if (evicted > 0) {
      this.announce(
        { event: 'message:evicted', payload: { room, evicted, undelivered: evictedUndelivered } },
        'everywhere',
      );
    }
    return { id, room, duplicate, evicted, evictedUndelivered, evictedByAge };
  }

  async messages(room: string, after: string | undefined, limit: number) {
    const [messages, info] = await Promise.all([
      this.store.rooms.readMessages(room, after, limit),
      this.store.rooms.info(room),
    ]);
    return {
      room,
      length: info.length,
      appliedId: info.appliedId,
      messages,
      nextAfter: messages.at(-1)?.id ?? after ?? null,
    };
  }

  async rooms() {
    const [rooms, marks] = await Promise.all([this.store.rooms.names(), this.store.rooms.appliedMarks()]);
    return Promise.all(
      rooms.map(async (room) => ({
        room,
        length: (await this.store.rooms.info(room)).length,
        appliedId: marks[room] ?? null,
        members: (await this.store.rooms.members(room)).length,
      })),
    );
  }

  async setMembers(room: string, members: readonly string[], requestId: string) {
    const unique = [...new Set(members)].sort();
    await recorded(this.history, requestId, 'members', { room, members: unique }, async () => {
      await this.store.rooms.setMembers(room, unique);
      return null;
    });
    return { room, members: unique };
  }

  async members(room: string) {
    return { room, members: await this.store.rooms.members(room) };
  }

  async inbox(user: string, limit: number) {
    return { user, ...(await this.store.inboxes.read(user, limit)) };
  }

  async markRead(user: string) {
    return { user, markedRead: await this.store.inboxes.markRead(user) };
  }

  async groups() {
    const names = await this.store.groups.known();
    return Promise.all(
      names.map(async (group) => {
        const rooms = await this.store.groups.onRooms(group);
        const lags = rooms.map((r) => r.lag);
        return {
          group,
          lag: lags.some((l) => l === null) ? null : lags.reduce<number>((s, l) => s + (l ?? 0), 0),
          pending: rooms.reduce((s, r) => s + r.pending, 0),
          consumers: summariseConsumers(rooms),
          rooms,
        };
      }),
    );
  }

  async createGroup(group: string, startId: string) {
    const created = await this.store.groups.create(group, startId);
    return { group, created, startId };
  }

  private async requireGroup(group: string): Promise<void> {
    if (!(await this.store.groups.known()).includes(group)) {
      throw new AppError(
        'GROUP_NOT_FOUND',
        `No consumer group ${group}; create it with PUT /groups/${group}.`,
      );
    }
  }

  async pending(group: string, limit: number) {
    await this.requireGroup(group);
    return this.store.groups.pending(group, limit);
  }

  async read(group: string, consumer: string, count: number, blockMs: number) {
    await this.requireGroup(group);
    const rooms = await this.store.rooms.names();
    if (blockMs === 0) {
      return this.store.groups.read(this.store.node.client, group, consumer, rooms, count, 0);
    }
    // XREADGROUP BLOCK outlives the normal client's 200 ms command timeout: its own client.
    const client = await this.store.node.blockingClient();
    try {
      return await this.store.groups.read(client, group, consumer, rooms, count, blockMs);
    } finally {
      client.disconnect();
    }
  }

  async ack(group: string, room: string, ids: readonly string[]) {
    await this.requireGroup(group);
    return { acked: await this.store.groups.ack(group, room, ids) };
  }

  async claim(group: string, consumer: string, minIdleMs: number, count: number) {
    await this.requireGroup(group);
    const { claimed, deleted, records } = await this.store.groups.claimIdle(
      group,
      consumer,
      minIdleMs,
      await this.store.rooms.names(),
      count,
    );
    const claims = claimEvents(consumer, records);
    // The page and the trace draw the workers' group; a learner's own group is theirs to read.
    if (group === this.settings.DELIVERY_GROUP) {
      for (const payload of claims) this.announce({ event: 'entry:claimed', payload }, 'everywhere');
      this.trace(claimMessages(claims));
    }
    return { consumer, claimed, deleted };
  }

  async deadLetters(limit: number) {
    return this.store.deadLetters.list(limit);
  }

  async replay(deadLetterId: string, requestId: string) {
    const letter = await this.store.deadLetters.get(deadLetterId);
    if (!letter) {
      throw new AppError('DEAD_LETTER_NOT_FOUND', `No dead letter ${deadLetterId} (already replayed?).`);
    }
    const input: SendInput = { room: letter.room, senderId: letter.senderId, replayOf: letter.originalId };
    const replayed = await recorded(
      this.history,
      requestId,
      'replay',
      input,
      async () => {
        const result = await this.store.rooms.replay(letter.room, deadLetterId, this.limits);
        if (result.kind === 'no-dead-letter') {
          throw new AppError('DEAD_LETTER_NOT_FOUND', `Dead letter ${deadLetterId} was replayed meanwhile.`);
        }
        if (result.kind !== 'added') throw new Error(`replay answered ${result.kind}`);
        return result;
      },
      (result): SendOutput => ({ id: result.id, duplicate: false, senderId: letter.senderId }),
    );
    this.trace(replayMessages(letter.room, deadLetterId, replayed.id));
    this.announce(
      { event: 'entry:replayed', payload: { deadLetterId, room: letter.room, id: replayed.id } },
      'everywhere',
    );
    return { deadLetterId, room: letter.room, id: replayed.id, evicted: replayed.evicted };
  }

  /** Gathers the effect's state for the rooms in the history and runs the domain checker. */
  async check(operations: readonly LineOperation[]): Promise<CheckVerdict> {
    const { sends, membersChangedAt } = acknowledgedSends(operations);
    const roomNames = [...new Set(sends.map((s) => s.room))];
    const marks = await this.store.rooms.appliedMarks();
    const rooms: Record<string, RoomState> = {};
    const users = new Set<string>();
    for (const room of roomNames) {
      const members = await this.store.rooms.members(room);
      const changedAt = membersChangedAt.get(room);
      rooms[room] = {
        members,
        appliedId: marks[room],
        ...(changedAt === undefined ? {} : { membersChangedAt: changedAt }),
      };
      for (const user of recipientsOf(members, '')) users.add(user);
    }
    const inboxes: Record<string, InboxState> = {};
    for (const user of users) {
      const entries = await this.store.inboxes.full(user);
      inboxes[user] = { entries, isCapped: entries.length >= this.settings.INBOX_MAX_LEN };
    }
    // A replayed dead letter left the dead-letter stream but is still accounted for (as its replay).
    const deadLetters = [
      ...(await this.store.deadLetters.list(100_000)).map((d) => ({
        room: d.room,
        originalId: d.originalId,
      })),
      ...(await this.store.deadLetters.replays()).map((r) => ({ room: r.room, originalId: r.originalId })),
    ];
    // Records the caps dropped: that many unaccounted messages may be theirs, and no more.
    const counters = await this.store.counters.all();
    const droppedRecords = (counters.deadLettersDropped ?? 0) + (counters.replaysDropped ?? 0);
    return checkDeliveries({ sends, rooms, inboxes, deadLetters, droppedRecords });
  }
}

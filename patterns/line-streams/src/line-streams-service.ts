import type { History, Operation } from '@kvs-lab/shared/history';
import { recorded } from '@kvs-lab/shared/history';
import type { CheckVerdict } from '@kvs-lab/shared/history';
import { summariseConsumers } from './domain/consumer-summary.ts';
import { checkDeliveries } from './check/delivery-check.ts';
import type { AcknowledgedSend, InboxState, RoomState } from './check/delivery-check.ts';
import { recipientsOf } from './domain/room-order.ts';
import { isTextTooLarge, retryAfterSeconds, textSizeBytes } from './domain/send-rules.ts';
import type { StreamSettings } from './config.ts';
import type { LineStreamsEvent } from './realtime/events.ts';
import { claimEvents, claimMessages, replayMessages, sendMessages } from './realtime/protocol-messages.ts';
import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { SendLimits, StreamStore } from './store/stream-store.ts';
import { AppError } from './errors.ts';

export interface SendInput {
  readonly room: string;
  readonly senderId: string;
  readonly clientMsgId?: string;
  readonly replayOf?: string;
}
export interface SendOutput {
  readonly id: string;
  readonly duplicate: boolean;
  readonly senderId?: string;
}
export type LineInput = SendInput | { room: string; members: string[] };
export type LineOutput = SendOutput | null;
export type LineOperation = Operation<LineInput, LineOutput>;

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
    let evicted = 0;
    let evictedUndelivered = 0;
    let evictedByAge = 0;
    const output = await recorded(this.history, requestId, 'send', input, async () => {
      const result = await this.store.send(room, { ...body, sentAt: Date.now() }, this.limits);
      switch (result.kind) {
        case 'rate-limited': {
          const seconds = retryAfterSeconds(result.remainingMs);
          throw new AppError(
            'RATE_LIMITED',
            `Room ${room} takes ${this.settings.RATE_LIMIT} messages per ${this.settings.RATE_WINDOW_MS} ms; retry in ${seconds} s.`,
            { headers: { 'Retry-After': String(seconds) }, extras: { retryAfterSeconds: seconds } },
          );
        }
        case 'duplicate':
          return { id: result.id, duplicate: true };
        case 'key-reused':
          // Answering "duplicate" would drop the new content without a word: the client has a bug.
          throw new AppError(
            'IDEMPOTENCY_KEY_REUSED',
            `clientMsgId ${body.clientMsgId ?? ''} was already used in room ${room} for another sender or text (message ${result.firstId}); use a new clientMsgId for a new message.`,
            { extras: { firstId: result.firstId } },
          );
        case 'added':
          evicted = result.evicted;
          evictedUndelivered = result.evictedUndelivered;
          evictedByAge = result.evictedByAge;
          return { id: result.id, duplicate: false };
        case 'no-dead-letter':
          throw new Error('send answered as a replay');
      }
    });
    if (!output) throw new Error('send recorded no output');
    const clientMsgId = body.clientMsgId ? { clientMsgId: body.clientMsgId } : {};
    this.trace(
      sendMessages(
        this.settings.SERVICE_NAME,
        room,
        output.duplicate
          ? { kind: 'duplicate', id: output.id, ...clientMsgId }
          : { kind: 'added', id: output.id, evictedUndelivered, ...clientMsgId },
      ),
    );
    this.announce(
      {
        event: 'message:sent',
        payload: { room, id: output.id, senderId: body.senderId, duplicate: output.duplicate, evicted },
      },
      'local',
    );
    if (evicted > 0) {
      this.announce(
        { event: 'message:evicted', payload: { room, evicted, undelivered: evictedUndelivered } },
        'everywhere',
      );
    }
    return { id: output.id, room, duplicate: output.duplicate, evicted, evictedUndelivered, evictedByAge };
  }

  async messages(room: string, after: string | undefined, limit: number) {
    const [messages, info] = await Promise.all([
      this.store.readMessages(room, after, limit),
      this.store.roomInfo(room),
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
    const [rooms, marks] = await Promise.all([this.store.rooms(), this.store.appliedMarks()]);
    return Promise.all(
      rooms.map(async (room) => ({
        room,
        length: (await this.store.roomInfo(room)).length,
        appliedId: marks[room] ?? null,
        members: (await this.store.members(room)).length,
      })),
    );
  }

  async setMembers(room: string, members: readonly string[], requestId: string) {
    const unique = [...new Set(members)].sort();
    await recorded(this.history, requestId, 'members', { room, members: unique }, async () => {
      await this.store.setMembers(room, unique);
      return null;
    });
    return { room, members: unique };
  }

  async members(room: string) {
    return { room, members: await this.store.members(room) };
  }

  async inbox(user: string, limit: number) {
    return { user, ...(await this.store.inbox(user, limit)) };
  }

  async markRead(user: string) {
    return { user, markedRead: await this.store.markRead(user) };
  }

  async groups() {
    const names = await this.store.knownGroups();
    return Promise.all(
      names.map(async (group) => {
        const rooms = await this.store.groupOnRooms(group);
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
    const created = await this.store.createGroup(group, startId);
    return { group, created, startId };
  }

  private async requireGroup(group: string): Promise<void> {
    if (!(await this.store.knownGroups()).includes(group)) {
      throw new AppError(
        'GROUP_NOT_FOUND',
        `No consumer group ${group}; create it with PUT /groups/${group}.`,
      );
    }
  }

  async pending(group: string, limit: number) {
    await this.requireGroup(group);
    return this.store.pending(group, limit);
  }

  async read(group: string, consumer: string, count: number, blockMs: number) {
    await this.requireGroup(group);
    const rooms = await this.store.rooms();
    if (blockMs === 0) {
      return this.store.readGroup(this.store.node.client, group, consumer, rooms, count, 0);
    }
    // XREADGROUP BLOCK outlives the normal client's 200 ms command timeout: its own client.
    const client = await this.store.node.blockingClient();
    try {
      return await this.store.readGroup(client, group, consumer, rooms, count, blockMs);
    } finally {
      client.disconnect();
    }
  }

  async ack(group: string, room: string, ids: readonly string[]) {
    await this.requireGroup(group);
    return { acked: await this.store.ack(group, room, ids) };
  }

  async claim(group: string, consumer: string, minIdleMs: number, count: number) {
    await this.requireGroup(group);
    const { claimed, deleted, records } = await this.store.claimIdle(
      group,
      consumer,
      minIdleMs,
      await this.store.rooms(),
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
    return this.store.deadLetters(limit);
  }

  async replay(deadLetterId: string, requestId: string) {
    const letter = await this.store.deadLetter(deadLetterId);
    if (!letter) {
      throw new AppError('DEAD_LETTER_NOT_FOUND', `No dead letter ${deadLetterId} (already replayed?).`);
    }
    const input: SendInput = { room: letter.room, senderId: letter.senderId, replayOf: letter.originalId };
    let evicted = 0;
    const output = await recorded(this.history, requestId, 'replay', input, async () => {
      const result = await this.store.replay(letter.room, deadLetterId, this.limits);
      if (result.kind === 'no-dead-letter') {
        throw new AppError('DEAD_LETTER_NOT_FOUND', `Dead letter ${deadLetterId} was replayed meanwhile.`);
      }
      if (result.kind !== 'added') throw new Error(`replay answered ${result.kind}`);
      evicted = result.evicted;
      return { id: result.id, duplicate: false, senderId: letter.senderId };
    });
    if (!output) throw new Error('replay recorded no output');
    this.trace(replayMessages(letter.room, deadLetterId, output.id));
    this.announce(
      { event: 'entry:replayed', payload: { deadLetterId, room: letter.room, id: output.id } },
      'everywhere',
    );
    return { deadLetterId, room: letter.room, id: output.id, evicted };
  }

  /** Gathers the effect's state for the rooms in the history and runs the domain checker. */
  async check(operations: readonly LineOperation[]): Promise<CheckVerdict> {
    const sends: AcknowledgedSend[] = [];
    const membersChangedAt = new Map<string, number>();
    for (const op of operations) {
      if (op.outcome !== 'ok') continue;
      if (op.kind === 'members') membersChangedAt.set(op.input.room, op.invokedAt);
      if ((op.kind === 'send' || op.kind === 'replay') && op.output && 'senderId' in op.input) {
        sends.push({
          operation: op.id,
          room: op.input.room,
          id: op.output.id,
          senderId: op.input.senderId,
          duplicate: op.output.duplicate,
          invokedAt: op.invokedAt,
          ...(op.input.clientMsgId ? { clientMsgId: op.input.clientMsgId } : {}),
        });
      }
    }
    const roomNames = [...new Set(sends.map((s) => s.room))];
    const marks = await this.store.appliedMarks();
    const rooms: Record<string, RoomState> = {};
    const users = new Set<string>();
    for (const room of roomNames) {
      const members = await this.store.members(room);
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
      const entries = await this.store.fullInbox(user);
      inboxes[user] = { entries, isCapped: entries.length >= this.settings.INBOX_MAX_LEN };
    }
    // A replayed dead letter left the dead-letter stream but is still accounted for (as its replay).
    const deadLetters = [
      ...(await this.store.deadLetters(100_000)).map((d) => ({ room: d.room, originalId: d.originalId })),
      ...(await this.store.replays()).map((r) => ({ room: r.room, originalId: r.originalId })),
    ];
    // Records the caps dropped: that many unaccounted messages may be theirs, and no more.
    const counters = await this.store.counters();
    const droppedRecords = (counters.deadLettersDropped ?? 0) + (counters.replaysDropped ?? 0);
    return checkDeliveries({ sends, rooms, inboxes, deadLetters, droppedRecords });
  }
}

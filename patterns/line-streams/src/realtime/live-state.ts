import { summariseConsumers } from '../domain/consumer-summary.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { ClaimEvent, LiveState } from './events.ts';

const maxRooms = 12;
const tailLength = 12;

/** What the page needs besides Redis: the settings it draws against and the claims this instance heard of. */
export interface LiveSettings {
  readonly group: string;
  readonly claimMinIdleMs: number;
  readonly maxDeliveries: number;
  readonly claims: readonly ClaimEvent[];
}

/** What the live view draws, read from Redis: any instance can serve it. */
export async function readLiveState(store: StreamStore, settings: LiveSettings): Promise<LiveState> {
  const { group } = settings;
  const [roomNames, marks, counters, deadLetters, deadLetterCount, onRooms] = await Promise.all([
    store.rooms.names(),
    store.rooms.appliedMarks(),
    store.counters.all(),
    store.deadLetters.list(10),
    store.deadLetters.count(),
    store.groups.onRooms(group),
  ]);
  const shown = roomNames.slice(0, maxRooms);
  const groupOf = new Map(onRooms.map((g) => [g.room, g]));
  const rooms = await Promise.all(
    shown.map(async (room) => {
      const [info, tail] = await Promise.all([store.rooms.info(room), store.rooms.tail(room, tailLength)]);
      const g = groupOf.get(room);
      return {
        room,
        length: info.length,
        appliedId: marks[room] ?? null,
        lastDeliveredId: g?.lastDeliveredId ?? null,
        lag: g?.lag ?? null,
        pending: g?.pending ?? 0,
        tail: tail.map((m) => ({ id: m.id, senderId: m.senderId, text: m.text.slice(0, 40) })),
      };
    }),
  );
  const members = [...new Set((await Promise.all(shown.map((r) => store.rooms.members(r)))).flat())].slice(
    0,
    40,
  );
  return {
    at: Date.now(),
    group,
    claimMinIdleMs: settings.claimMinIdleMs,
    maxDeliveries: settings.maxDeliveries,
    roomCount: roomNames.length,
    rooms,
    consumers: summariseConsumers(onRooms),
    pending: (await store.groups.pending(group, 20)).slice(0, 50),
    deadLetters: deadLetters.map((d) => ({
      deadLetterId: d.deadLetterId,
      room: d.room,
      originalId: d.originalId,
      reason: d.reason,
    })),
    deadLetterCount,
    unread: await store.inboxes.unreadCounts(members),
    counters,
    claims: [...settings.claims],
  };
}

import type { CheckVerdict } from '@kvs-lab/shared/history';
import { compareStreamIds } from '../domain/stream-id.ts';
import { recipientsOf } from '../domain/room-order.ts';

/**
 * The /check rule of this pattern. Delivery is at least once and the effect
 * idempotent, so over the recorded history: every acknowledged send reaches
 * each recipient's inbox exactly once, in the room's stream order, unless it
 * is accounted for as a dead letter (or is still in flight: past the room's
 * applied mark it cannot be judged yet).
 */

export interface AcknowledgedSend {
  /** The history operation that served it, for the counter-example. */
  readonly operation: number;
  readonly room: string;
  readonly id: string;
  readonly senderId: string;
  readonly clientMsgId?: string;
  readonly duplicate: boolean;
  readonly invokedAt: number;
}

export interface RoomState {
  readonly members: readonly string[];
  /** The room's applied mark: the newest entry whose effect is in place. */
  readonly appliedId: string | undefined;
  /** When the history last saw the membership replaced; older sends are not judged against today's members. */
  readonly membersChangedAt?: number;
}

export interface InboxState {
  /** Oldest first. */
  readonly entries: readonly { readonly room: string; readonly id: string }[];
  /** At its length cap: entries older than the oldest kept one have aged out, not been lost. */
  readonly isCapped: boolean;
}

export interface DeadLetterRef {
  readonly room: string;
  readonly originalId: string;
}

export interface DeliveryFacts {
  readonly sends: readonly AcknowledgedSend[];
  readonly rooms: Readonly<Record<string, RoomState>>;
  readonly inboxes: Readonly<Record<string, InboxState>>;
  readonly deadLetters: readonly DeadLetterRef[];
  /** Dead-letter and replay records dropped by their caps: accounts that no longer exist. */
  readonly droppedRecords?: number;
}

export interface DeliveryTally {
  readonly sends: number;
  readonly duplicateSends: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly inFlight: number;
  readonly agedOut: number;
  readonly notJudged: number;
  /** Messages not found anywhere, charged to a dropped record (at most one each, never more than were dropped). */
  readonly unverifiable: number;
}

/** The kit's verdict, with this checker's tally and, when it fails, the rule it broke. */
export type DeliveryVerdict = CheckVerdict &
  (
    | { readonly valid: true; readonly details: DeliveryTally }
    | {
        readonly valid: false;
        readonly firstViolation: Record<string, unknown>;
        readonly details: DeliveryTally;
      }
  );

const keyOf = (room: string, id: string) => `${room}/${id}`;

/** Judges the facts gathered from the history and Redis; names the first broken promise. */
export function checkDeliveries(facts: DeliveryFacts): DeliveryVerdict {
  const tally = {
    sends: 0,
    duplicateSends: 0,
    delivered: 0,
    deadLettered: 0,
    inFlight: 0,
    agedOut: 0,
    notJudged: 0,
    unverifiable: 0,
  };
  const unverifiableKeys = new Set<string>();
  const fail = (summary: string, firstViolation: Record<string, unknown>): DeliveryVerdict => ({
    valid: false,
    summary,
    firstViolation,
    details: { ...tally },
  });

  // Rule 1: a retried send (same clientMsgId) answers the id of the first one.
  const firstIdOf = new Map<string, AcknowledgedSend>();
  for (const send of facts.sends) {
    if (send.clientMsgId === undefined) continue;
    const key = keyOf(send.room, send.clientMsgId);
    const first = firstIdOf.get(key);
    if (!first) firstIdOf.set(key, send);
    else if (first.id !== send.id) {
      return fail(
        `clientMsgId "${send.clientMsgId}" in room "${send.room}" was stored twice (${first.id} and ${send.id}): dedup failed.`,
        { rule: 'dedup', operations: [first.operation, send.operation], ids: [first.id, send.id] },
      );
    }
  }

  const deadLettered = new Set(facts.deadLetters.map((d) => keyOf(d.room, d.originalId)));
  const positions = new Map<string, Map<string, number>>();
  for (const [user, inbox] of Object.entries(facts.inboxes)) {
    const seen = new Map<string, number>();
    const lastIdOfRoom = new Map<string, string>();
    for (const [index, entry] of inbox.entries.entries()) {
      const key = keyOf(entry.room, entry.id);
      // Rule 2: the effect is applied once, however often the entry was delivered.
      if (seen.has(key)) {
        return fail(`${user}'s inbox holds message ${key} twice: a redelivery was applied again.`, {
          rule: 'exactly-once',
          user,
          message: key,
        });
      }
      // Rule 3: one room's messages appear in its stream order.
      const last = lastIdOfRoom.get(entry.room);
      if (last !== undefined && compareStreamIds(last, entry.id) > 0) {
        return fail(`${user}'s inbox has ${keyOf(entry.room, last)} before ${key}: room order broken.`, {
          rule: 'room-order',
          user,
          before: keyOf(entry.room, last),
          after: key,
        });
      }
      // Rule 4: a dead letter is the account of a message that was not applied.
      if (deadLettered.has(key)) {
        return fail(`${key} is both a dead letter and in ${user}'s inbox.`, {
          rule: 'dead-letter-accounting',
          user,
          message: key,
        });
      }
      seen.set(key, index);
      lastIdOfRoom.set(entry.room, entry.id);
    }
    positions.set(user, seen);
  }

  // Rule 5: every acknowledged send is delivered, dead-lettered, or still in flight.
  for (const send of facts.sends) {
    if (send.duplicate) {
      tally.duplicateSends += 1;
      continue;
    }
    tally.sends += 1;
    const room = facts.rooms[send.room];
    if (!room || (room.membersChangedAt !== undefined && send.invokedAt < room.membersChangedAt)) {
      tally.notJudged += 1;
      continue;
    }
    const key = keyOf(send.room, send.id);
    if (deadLettered.has(key)) {
      tally.deadLettered += 1;
      continue;
    }
    const isInFlight = room.appliedId === undefined || compareStreamIds(send.id, room.appliedId) > 0;
    for (const user of recipientsOf(room.members, send.senderId)) {
      if (positions.get(user)?.has(key)) {
        tally.delivered += 1;
        continue;
      }
      if (isInFlight) {
        tally.inFlight += 1;
        continue;
      }
      const inbox = facts.inboxes[user];
      const oldestKept = inbox?.entries.find((e) => e.room === send.room);
      if (inbox?.isCapped && (!oldestKept || compareStreamIds(send.id, oldestKept.id) < 0)) {
        tally.agedOut += 1;
        continue;
      }
      // Its dead-letter (or replay) record may be one the cap dropped: unverifiable, not proven lost.
      if (unverifiableKeys.has(key)) continue;
      if (unverifiableKeys.size < (facts.droppedRecords ?? 0)) {
        unverifiableKeys.add(key);
        tally.unverifiable += 1;
        continue;
      }
      return fail(
        `Message ${key} (operation ${send.operation}) was acknowledged and the room's applied mark ${room.appliedId ?? '-'} is past it, but ${user}'s inbox lacks it and it is no dead letter: lost.`,
        { rule: 'no-loss', operation: send.operation, user, message: key },
      );
    }
  }

  const droppedNote =
    tally.unverifiable > 0
      ? ` ${tally.unverifiable} messages cannot be verified: their dead-letter records were dropped by the cap (${facts.droppedRecords ?? 0} dropped).`
      : '';
  const pendingNote =
    tally.inFlight > 0
      ? ` ${tally.inFlight} deliveries are still in flight: check again once the PEL is empty.`
      : '';
  return {
    valid: true,
    summary: `Checked ${tally.sends} acknowledged sends (${tally.duplicateSends} retries recognised as duplicates): ${tally.delivered} inbox deliveries each applied exactly once and in room order, ${tally.deadLettered} messages accounted for as dead letters, ${tally.agedOut} aged out of capped inboxes.${droppedNote}${pendingNote}`,
    details: { ...tally },
  };
}

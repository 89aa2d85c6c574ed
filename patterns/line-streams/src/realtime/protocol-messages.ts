import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { DeliveryOutcome } from '../domain/delivery-outcome.ts';
import type { ClaimRecord } from '../store/group-store.ts';
import type { ClaimEvent } from './events.ts';

/**
 * The protocol as the trace records it, one lane per node: the instance that took a send,
 * each room's stream (`stream:<room>`, with its group's PEL inside), each worker (the consumer
 * of the same name), the members' inboxes (the effect) and the dead-letter stream. The live
 * view uses the same names.
 */
export const streamNode = (room: string): string => `stream:${room}`;
export const inboxesNode = 'inboxes';
export const deadLettersNode = 'dead-letters';

/** Ids listed in one message; a batch of hundreds would make the trace unreadable. Claims list all theirs. */
const idsListed = 20;
const listed = (ids: readonly string[], limit = idsListed) => ({
  ids: ids.slice(0, limit),
  count: ids.length,
});

function byRoom<T extends { readonly room: string }>(entries: readonly T[]): Map<string, T[]> {
  const rooms = new Map<string, T[]>();
  for (const entry of entries) {
    const list = rooms.get(entry.room);
    if (list) list.push(entry);
    else rooms.set(entry.room, [entry]);
  }
  return rooms;
}

/** A send appended to its room's stream, answered as a retry, or refused. */
export function sendMessages(
  instance: string,
  room: string,
  result:
    | { kind: 'added'; id: string; evictedUndelivered: number; clientMsgId?: string }
    | { kind: 'duplicate'; id: string; clientMsgId?: string },
): ProtocolMessage[] {
  if (result.kind === 'duplicate') {
    return [
      {
        from: instance,
        to: streamNode(room),
        kind: 'duplicate',
        detail: { room, firstId: result.id, clientMsgId: result.clientMsgId, stored: false },
      },
    ];
  }
  const messages: ProtocolMessage[] = [
    {
      from: instance,
      to: streamNode(room),
      kind: 'send',
      detail: { room, id: result.id, command: 'XADD', clientMsgId: result.clientMsgId },
    },
  ];
  if (result.evictedUndelivered > 0) {
    messages.push({
      from: streamNode(room),
      to: deadLettersNode,
      kind: 'dead-letter',
      detail: { room, reason: 'evicted', count: result.evictedUndelivered },
    });
  }
  return messages;
}

/** A dead letter re-queued as a new entry of its room. */
export function replayMessages(room: string, deadLetterId: string, id: string): ProtocolMessage[] {
  return [
    { from: deadLettersNode, to: streamNode(room), kind: 'replay', detail: { room, deadLetterId, id } },
  ];
}

/** XREADGROUP ... >: new entries the group handed to `consumer`, one message per room. */
export function deliveredMessages(
  consumer: string,
  entries: readonly { room: string; id: string }[],
): ProtocolMessage[] {
  return [...byRoom(entries)].map(([room, list]) => ({
    from: streamNode(room),
    to: consumer,
    kind: 'deliver',
    detail: { room, command: 'XREADGROUP', ...listed(list.map((e) => e.id)) },
  }));
}

/** Claimed entries grouped by room and previous owner: one claim event each, as the page draws them. */
export function claimEvents(consumer: string, records: readonly ClaimRecord[]): ClaimEvent[] {
  const groups = new Map<string, ClaimRecord[]>();
  for (const r of records) {
    const key = `${r.room}\n${r.previousOwner}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].flatMap((list) => {
    const first = list[0];
    if (!first) return [];
    return [
      {
        consumer,
        from: first.previousOwner,
        room: first.room,
        ids: list.map((r) => r.id),
        deliveries: Math.max(...list.map((r) => r.deliveries)),
        idleMs: Math.min(...list.map((r) => r.idleMs)),
      },
    ];
  });
}

/** XAUTOCLAIM: idle entries that `consumer` took from their previous owner, one message per room and owner. */
export function claimMessages(claims: readonly ClaimEvent[]): ProtocolMessage[] {
  return claims.map((c) => ({
    from: streamNode(c.room),
    to: c.consumer,
    kind: 'claim',
    detail: {
      room: c.room,
      command: 'XAUTOCLAIM',
      previousOwner: c.from,
      // A claim takes at most 100 per room (the worker's count): all listed, so a learner can match them.
      ...listed(c.ids, c.ids.length),
      idleMs: c.idleMs,
      deliveries: c.deliveries,
    },
  }));
}

/** Which messages an outcome of deliver.lua becomes; NOT_YET and GONE are waits and no-ops. */
const outcomeKinds: Partial<Record<DeliveryOutcome, { kind: string; to: string }>> = {
  APPLIED: { kind: 'apply', to: inboxesNode },
  DUPLICATE: { kind: 'duplicate', to: inboxesNode },
  FAILED: { kind: 'handler-failed', to: inboxesNode },
  DEAD_LETTERED: { kind: 'dead-letter', to: deadLettersNode },
  NOT_YET: { kind: 'wait', to: inboxesNode },
};

/** One room's run of deliver.lua and the XACK after it: effects, duplicates, failures, dead letters, ack. */
export function settledMessages(
  consumer: string,
  room: string,
  results: readonly { id: string; outcome: DeliveryOutcome; deliveries: number }[],
  ackedIds: readonly string[],
): ProtocolMessage[] {
  const messages: ProtocolMessage[] = [];
  for (const outcome of Object.keys(outcomeKinds) as DeliveryOutcome[]) {
    const target = outcomeKinds[outcome];
    const ids = results.filter((r) => r.outcome === outcome);
    if (!target || ids.length === 0) continue;
    messages.push({
      from: consumer,
      to: target.to,
      kind: target.kind,
      detail: {
        room,
        ...listed(ids.map((r) => r.id)),
        deliveries: Math.max(...ids.map((r) => r.deliveries)),
        ...(outcome === 'DEAD_LETTERED' ? { reason: 'max-deliveries' } : {}),
      },
    });
  }
  if (ackedIds.length > 0) {
    messages.push({
      from: consumer,
      to: streamNode(room),
      kind: 'ack',
      detail: { room, command: 'XACK', ...listed(ackedIds) },
    });
  }
  return messages;
}

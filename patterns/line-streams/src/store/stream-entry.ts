import type { HeldEntry } from '../domain/room-order.ts';

/** One room message as the stream stores it (field/value pairs) and as the API shows it. */
export interface StoredMessage {
  readonly id: string;
  readonly room: string;
  readonly senderId: string;
  readonly text: string;
  readonly sentAt: number;
  readonly clientMsgId?: string;
  readonly replayOf?: string;
  /** Set on inbox entries: when the effect was applied. */
  readonly deliveredAt?: number;
}

export type RawEntry = [id: string, fields: string[] | null];

/** Field pairs to a record; a deleted entry (claimed after trimming) has no fields. */
export function fieldMap(fields: readonly string[] | null): Record<string, string> {
  const map: Record<string, string> = {};
  if (!fields) return map;
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i] ?? ''] = fields[i + 1] ?? '';
  return map;
}

/** A raw stream entry as a message of `room`. */
export function toMessage(room: string, [id, fields]: RawEntry): StoredMessage {
  const f = fieldMap(fields);
  return {
    id,
    room,
    senderId: f.senderId ?? '',
    text: f.text ?? '',
    sentAt: Number(f.sentAt ?? 0),
    ...(f.clientMsgId ? { clientMsgId: f.clientMsgId } : {}),
    ...(f.replayOf ? { replayOf: f.replayOf } : {}),
  };
}

/**
 * A raw stream entry as a worker holds it: only what the worker itself reads (the sender and the text, for
 * the poison fault). The effect reads the entry again inside deliver.lua, so nothing else is converted.
 */
export function toHeldEntry(room: string, [id, fields]: RawEntry): HeldEntry {
  let senderId = '';
  let text = '';
  if (fields) {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'senderId') senderId = fields[i + 1] ?? '';
      else if (fields[i] === 'text') text = fields[i + 1] ?? '';
    }
  }
  return { room, id, senderId, text };
}

/** The field/value pairs XADD writes for a new message. */
export function messageFields(message: {
  senderId: string;
  text: string;
  sentAt: number;
  clientMsgId?: string | undefined;
}): string[] {
  const fields = ['senderId', message.senderId, 'text', message.text, 'sentAt', String(message.sentAt)];
  if (message.clientMsgId) fields.push('clientMsgId', message.clientMsgId);
  return fields;
}

/**
 * The live view's typed events (`entity:action`). Rare events travel over a
 * Redis pub/sub channel so every instance's page shows what any worker did;
 * `message:sent` and `streams:state` are emitted by the instance that has them.
 */

import type { ProtocolMessage } from '@kvs-lab/shared/history';

/** A claim as the page draws it: `consumer` took `ids` of `room` from `from` (XAUTOCLAIM). */
export interface ClaimEvent {
  readonly consumer: string;
  readonly from: string;
  readonly room: string;
  readonly ids: string[];
  readonly deliveries: number;
  readonly idleMs: number;
  /** When the claim was heard of (ms since the epoch), so a fresh page draws the recent ones. */
  readonly at?: number;
}

export interface LiveState {
  readonly at: number;
  readonly group: string;
  /** Entries idle this long are claimed by a live worker; and how many deliveries before the dead letters. */
  readonly claimMinIdleMs: number;
  readonly maxDeliveries: number;
  /** All rooms; `rooms` holds the first few. */
  readonly roomCount: number;
  readonly rooms: readonly {
    room: string;
    length: number;
    appliedId: string | null;
    lastDeliveredId: string | null;
    lag: number | null;
    pending: number;
    tail: readonly { id: string; senderId: string; text: string }[];
  }[];
  readonly consumers: readonly { name: string; pending: number; idleMs: number }[];
  readonly pending: readonly {
    room: string;
    id: string;
    consumer: string;
    idleMs: number;
    deliveries: number;
  }[];
  readonly deadLetters: readonly { deadLetterId: string; room: string; originalId: string; reason: string }[];
  readonly deadLetterCount: number;
  readonly unread: Readonly<Record<string, number>>;
  readonly counters: Readonly<Record<string, number>>;
  /** The last claims this instance heard of, oldest first. */
  readonly claims: readonly ClaimEvent[];
}

export interface LineStreamsEventMap {
  'message:sent': { room: string; id: string; senderId: string; duplicate: boolean; evicted: number };
  'message:evicted': { room: string; evicted: number; undelivered: number };
  'entry:claimed': ClaimEvent;
  'entry:failed': { consumer: string; room: string; id: string; deliveries: number };
  'entry:dead-lettered': { room: string; id: string; reason: string; deliveries: number };
  'entry:replayed': { deadLetterId: string; room: string; id: string };
  'streams:state': LiveState;
  /** A deliberate crash (the crash-before-ack fault); a SIGKILL says nothing, the PEL shows it. */
  'worker:crashed': { consumer: string };
  /** A worker's protocol steps, relayed so every instance's trace holds them (not sent to pages). */
  'trace:messages': { messages: ProtocolMessage[] };
}

/** The map the live-view kit is typed with. */
export type LineStreamsLiveEvents = LineStreamsEventMap & { [event: `${string}:${string}`]: unknown };

/** An event as it travels on the pub/sub channel. */
export type LineStreamsEvent = {
  [K in keyof LineStreamsEventMap]: { event: K; payload: LineStreamsEventMap[K] };
}[keyof LineStreamsEventMap];

/**
 * A message from the pub/sub channel, or undefined when it is not one of ours: anyone with
 * redis-cli can PUBLISH there, and a throw inside the subscriber would take the process down.
 */
export function parseRelayedEvent(text: string): LineStreamsEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !('event' in value) || !('payload' in value)) {
    return undefined;
  }
  const { event, payload } = value;
  if (typeof event !== 'string' || !/^[a-z-]+:[a-z-]+$/.test(event)) return undefined;
  if (typeof payload !== 'object' || payload === null) return undefined;
  return value as LineStreamsEvent;
}

/** The well-formed protocol messages of a relayed `trace:messages` (anyone can PUBLISH on the channel). */
export function protocolMessagesIn(payload: { messages?: unknown }): ProtocolMessage[] {
  if (!Array.isArray(payload.messages)) return [];
  return payload.messages.filter(
    (m: unknown): m is ProtocolMessage =>
      typeof m === 'object' &&
      m !== null &&
      typeof (m as Record<string, unknown>).from === 'string' &&
      typeof (m as Record<string, unknown>).to === 'string' &&
      typeof (m as Record<string, unknown>).kind === 'string',
  );
}

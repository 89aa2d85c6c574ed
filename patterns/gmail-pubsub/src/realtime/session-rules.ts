import type { Namespace } from 'socket.io';
import { z } from 'zod';
import type { Filter } from '../domain/filter.ts';
import { parseFilter } from '../domain/filter.ts';
import { topicPattern, userIdPattern } from '../domain/names.ts';
import type { SubscriptionSet } from '../domain/subscriptions.ts';
import { subscribe } from '../domain/subscriptions.ts';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SessionLimits, SocketData } from './events.ts';
import type { GatewaySettings } from './gateway-types.ts';
import { notificationsNamespace } from './events.ts';

/** The rules every engine's `/notifications` applies the same way: who connects, what a subscription may be. */

export type NotificationsNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export const subscribeRequest = z.strictObject({ topic: z.string().max(64), filter: z.unknown().optional() });
export const unsubscribeRequest = z.strictObject({ topic: z.string().max(64) });

export const zodDetail = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`).join('; ');

/** Answers a client event's acknowledgement, if the client asked for one. */
export function reply<T>(ack: unknown, value: Parameters<Ack<T>>[0]): void {
  if (typeof ack === 'function') (ack as Ack<T>)(value);
}

/** The namespace, with the handshake check: the lab trusts the userId a client claims (a real service verifies a token). */
export function notificationsOf(io: { of(name: string): unknown }): NotificationsNamespace {
  const namespace = io.of(notificationsNamespace) as NotificationsNamespace;
  namespace.use((socket, next) => {
    const auth = socket.handshake.auth as { userId?: unknown };
    if (typeof auth.userId !== 'string' || !userIdPattern.test(auth.userId)) {
      next(
        new Error(
          'INVALID_USER: handshake auth needs { userId } of lower-case letters, digits, . _ - (1-64)',
        ),
      );
      return;
    }
    socket.data.userId = auth.userId;
    next();
  });
  return namespace;
}

export type Admission =
  | {
      readonly ok: true;
      readonly topic: string;
      readonly filter: Filter;
      readonly subscriptions: SubscriptionSet;
      readonly isNewTopic: boolean;
    }
  | { readonly ok: false; readonly code: string; readonly detail: string; readonly topic?: string };

/** Checks a `topics:subscribe` request: its shape, the topic name, the filter, the per-socket cap. */
export function admitSubscription(
  current: SubscriptionSet,
  request: unknown,
  maxPerSocket: number,
): Admission {
  const parsed = subscribeRequest.safeParse(request);
  if (!parsed.success) return { ok: false, code: 'INVALID_REQUEST', detail: zodDetail(parsed.error) };
  const { topic } = parsed.data;
  if (!topicPattern.test(topic)) {
    return {
      ok: false,
      code: 'INVALID_TOPIC',
      detail: 'a topic is 1-64 of a-z 0-9 . _ - (starting with a letter or digit)',
      topic,
    };
  }
  const filter = parseFilter(parsed.data.filter);
  if (!filter.ok) return { ok: false, code: filter.code, detail: filter.detail, topic };
  const outcome = subscribe(current, { topic, filter: filter.filter }, maxPerSocket);
  if (!outcome.ok) return { ok: false, code: outcome.code, detail: outcome.detail, topic };
  return {
    ok: true,
    topic,
    filter: filter.filter,
    subscriptions: outcome.subscriptions,
    isNewTopic: outcome.isNewTopic,
  };
}

/** The limits `session:ready` tells a client, from this instance's settings. */
export const sessionLimitsOf = (settings: GatewaySettings): SessionLimits => ({
  maxSubscriptions: settings.maxSubscriptionsPerSocket,
  outboxCapacity: settings.outbox.capacity,
  outboxWindow: settings.outbox.window,
  policy: settings.outbox.policy,
});

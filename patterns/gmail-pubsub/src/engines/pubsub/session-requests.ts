import { historyExpired, historySynced } from '../../domain/client-position.ts';
import { unsubscribe } from '../../domain/subscriptions.ts';
import type { ClientSession } from '../../realtime/client-session.ts';
import { answerHistorySync, syncRequest } from '../../realtime/history-sync.ts';
import { clientNode } from '../../realtime/protocol-trace.ts';
import { admitSubscription, reply, unsubscribeRequest, zodDetail } from '../../realtime/session-rules.ts';
import type { GatewayContext } from './gateway-context.ts';

/** What a client asks over its socket: subscribe, unsubscribe, sync from history. */

function refuse(
  ctx: GatewayContext,
  session: ClientSession,
  ack: unknown,
  refusal: { code: string; detail: string; topic?: string },
): void {
  const { code, detail, topic } = refusal;
  ctx.deps.counters.refused += 1;
  session.socket.emit('topics:refused', { code, detail, ...(topic === undefined ? {} : { topic }) });
  reply(ack, { ok: false, error: { code, detail } });
}

export async function onSubscribe(
  ctx: GatewayContext,
  session: ClientSession,
  request: unknown,
  ack: unknown,
): Promise<void> {
  const { deps } = ctx;
  const admission = admitSubscription(
    session.subscriptions,
    request,
    deps.settings().maxSubscriptionsPerSocket,
  );
  if (!admission.ok) return refuse(ctx, session, ack, admission);
  const { topic } = admission;
  // What was sent under the old subscriptions is written (and recorded) before they change.
  ctx.sender.flush();
  session.subscriptions = admission.subscriptions;
  deps.history
    .invoke(session.socket.id, 'subscribe', {
      kind: 'subscribe',
      socketId: session.socket.id,
      userId: session.userId,
      topic,
      filter: admission.filter,
    })
    .ok({});
  const isNewChannel = admission.isNewTopic && (await ctx.routes.add(session, topic));
  deps.trace([
    {
      from: clientNode(session.userId, session.socket.id),
      to: deps.instance,
      kind: 'topics:subscribe',
      detail: { topic, filter: admission.filter },
    },
    ...(isNewChannel
      ? [
          {
            from: deps.instance,
            to: deps.redisName,
            kind: 'subscribe',
            detail: { channel: ctx.routes.channelOf(session, topic) },
          },
        ]
      : []),
  ]);
  reply(ack, { ok: true, topic, subscriptions: session.subscriptions.size });
}

export async function onUnsubscribe(
  ctx: GatewayContext,
  session: ClientSession,
  request: unknown,
  ack: unknown,
): Promise<void> {
  const parsed = unsubscribeRequest.safeParse(request);
  if (!parsed.success)
    return refuse(ctx, session, ack, { code: 'INVALID_REQUEST', detail: zodDetail(parsed.error) });
  const { topic } = parsed.data;
  const outcome = unsubscribe(session.subscriptions, topic);
  ctx.sender.flush();
  session.subscriptions = outcome.subscriptions;
  if (outcome.wasSubscribed) {
    ctx.deps.history
      .invoke(session.socket.id, 'unsubscribe', { kind: 'unsubscribe', socketId: session.socket.id, topic })
      .ok({});
    await ctx.routes.remove(session, topic);
  }
  reply(ack, { ok: true, topic, wasSubscribed: outcome.wasSubscribed });
}

export async function onSync(
  ctx: GatewayContext,
  session: ClientSession,
  request: unknown,
  ack: unknown,
): Promise<void> {
  const parsed = syncRequest.safeParse(request);
  if (!parsed.success) {
    reply(ack, { ok: false, error: { code: 'INVALID_REQUEST', detail: zodDetail(parsed.error) } });
    return;
  }
  const { deps } = ctx;
  const { socket, userId } = session;
  const answer = await answerHistorySync(
    {
      store: deps.store,
      history: deps.history,
      counters: deps.counters,
      syncPageMax: deps.settings().syncPageMax,
      instance: deps.instance,
      redisName: deps.redisName,
      trace: deps.trace,
      onSynced: (event) => {
        session.position = historySynced(session.position, { ...event, resumeFrom: event.historyId });
        deps.live('history:synced', { socketId: socket.id, userId, ...event });
      },
      onExpired: (event) => {
        session.position = historyExpired(session.position, event);
        deps.live('history:expired', { socketId: socket.id, userId, ...event });
      },
    },
    session,
    parsed.data,
  );
  reply(ack, answer);
}

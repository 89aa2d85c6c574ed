import { unknownPosition } from '../../domain/client-position.ts';
import type { ClientSession, NotificationSocket } from '../../realtime/client-session.ts';
import { sessionLimitsOf } from '../../realtime/session-rules.ts';
import { SocketOutbox } from '../../realtime/socket-outbox.ts';
import type { GatewayContext } from './gateway-context.ts';
import { onSubscribe, onSync, onUnsubscribe } from './session-requests.ts';
import { socketPushPort } from './socket-push-port.ts';

/**
 * A socket from connection to disconnect: its session and outbox, the `session:ready` greeting with its
 * limits, its requests, and on disconnect the routes it held (the last one out releases the Redis channel).
 */
export function openSession(ctx: GatewayContext, socket: NotificationSocket): void {
  const { deps } = ctx;
  const userId = socket.data.userId;
  const settings = deps.settings();
  const outbox = new SocketOutbox(
    socketPushPort(ctx, socket, () => session),
    settings.outbox,
    (count) => {
      deps.counters.dropped += count;
    },
  );
  const session: ClientSession = {
    socket,
    userId,
    subscriptions: new Map(),
    outbox,
    position: unknownPosition,
  };
  ctx.sessions.set(socket.id, session);
  deps.live('client:connected', { socketId: socket.id, userId });
  socket.emit('session:ready', {
    socketId: socket.id,
    instance: deps.instance,
    userId,
    limits: sessionLimitsOf(settings),
  });

  socket.on('topics:subscribe', (request, ack) => void onSubscribe(ctx, session, request, ack));
  socket.on('topics:unsubscribe', (request, ack) => void onUnsubscribe(ctx, session, request, ack));
  socket.on('history:sync', (request, ack) => void onSync(ctx, session, request, ack));
  socket.on('disconnect', (reason) => {
    outbox.close();
    ctx.sessions.delete(socket.id);
    for (const topic of session.subscriptions.keys()) void ctx.routes.remove(session, topic);
    session.subscriptions = new Map();
    deps.live('client:disconnected', { socketId: socket.id, userId, reason });
  });
}

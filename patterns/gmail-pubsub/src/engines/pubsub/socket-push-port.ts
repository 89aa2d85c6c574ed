import { pushAcknowledged } from '../../domain/client-position.ts';
import { mailboxTopic } from '../../domain/names.ts';
import type { ClientSession, NotificationSocket } from '../../realtime/client-session.ts';
import { clientNode } from '../../realtime/protocol-trace.ts';
import type { PushPort } from '../../realtime/socket-outbox.ts';
import type { GatewayContext } from './gateway-context.ts';
import { positionOf } from './notification-push.ts';

/**
 * How one socket's outbox reaches its client: sends (recorded for /check and the trace), drop reports and
 * the `disconnect` policy's cut. `session` is read when a push is acknowledged, to move the client's cursor.
 */
export function socketPushPort(
  ctx: GatewayContext,
  socket: NotificationSocket,
  session: () => ClientSession,
): PushPort {
  const { deps, batch } = ctx;
  const { instance } = deps;
  const userId = socket.data.userId;
  const node = clientNode(userId, socket.id);
  const report = (reason: 'dropped' | 'disconnect', count: number) =>
    deps.history.invoke(socket.id, 'report', { kind: 'report', socketId: socket.id, reason, count }).ok({});
  return {
    send: (push, acknowledged) => {
      if (batch.isGathering)
        batch.add({
          from: instance,
          to: node,
          kind: 'push',
          detail: { topic: push.payload.topic, ...positionOf(push.note) },
        });
      deps.counters.delivered += 1;
      // The ack and the pushes it lets out of the queue (and any drop report) are one step of the trace.
      const onAck = () => {
        if (push.event === 'mail:received' && push.payload.topic === mailboxTopic) {
          const current = session();
          current.position = pushAcknowledged(current.position, push.payload.historyId);
        }
        acknowledged();
      };
      ctx.sender.send(socket, push, () =>
        batch.isGathering
          ? batch.step([{ from: node, to: instance, kind: 'ack', detail: positionOf(push.note) }], onAck)
          : onAck(),
      );
    },
    reportDropped: (count, total) => {
      // The pushes already sent to it go out first: the report is about what comes after them.
      ctx.sender.flush();
      const policy = deps.settings().outbox.policy;
      socket.emit('backpressure:dropped', { count, total, policy });
      batch.add({ from: instance, to: node, kind: 'backpressure:dropped', detail: { count, total, policy } });
      report('dropped', count);
      deps.live('backpressure:dropped', { socketId: socket.id, userId, count, total });
    },
    disconnect: () => {
      ctx.sender.flush();
      deps.counters.disconnectedSlow += 1;
      batch.add({ from: instance, to: node, kind: 'disconnect', detail: { policy: 'disconnect' } });
      report('disconnect', 0);
      socket.disconnect(true);
    },
  };
}

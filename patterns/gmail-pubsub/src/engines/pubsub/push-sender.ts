import type { NotificationSocket } from '../../realtime/client-session.ts';
import type { NotificationsNamespace } from '../../realtime/session-rules.ts';
import type { Push } from '../../realtime/socket-outbox.ts';

/** socket.io-parser's EVENT packet type (socket.io does not re-export the enum). */
const eventPacket = 2;

/** Each socket's acknowledgement callback for one push, by socket id. */
type Waiting = Map<string, () => void>;

/** Records that `push` was written to these sockets (for /check): one record per write, not per socket. */
export type DeliveryRecorder = (push: Push, socketIds: readonly string[]) => void;

/**
 * Writes pushes to sockets, each push encoded once for all the sockets it goes to at a time: sends are
 * gathered (during a fan-out, and the pushes acknowledgements let out of queues in one turn of the event
 * loop) and each push is written as one broadcast with acknowledgements, so socket.io encodes the packet and
 * builds its WebSocket frame once, not once per socket. All its sockets share one packet id, unique per
 * socket since ids come from the namespace's one counter, and each socket keeps its own acknowledgement.
 *
 * Order per socket holds: gathered pushes go out in the order they were fanned out (a socket's queue is in
 * that order), and `flush()` runs before anything else is emitted to a socket (a drop report, a gap) or
 * recorded about it (a subscription changed). Each write is recorded once, with every socket it reached:
 * at 20k deliveries/s a record per socket kept 100k small objects alive per instance, and the old-space
 * collections over them were the bench's tail latency.
 */
export class PushSender {
  private readonly pending = new Map<Push, Waiting>();
  /** The order pushes were fanned out in. */
  private readonly order = new WeakMap<Push, number>();
  private fannedOut = 0;
  private fanOutDepth = 0;
  private isScheduled = false;
  private readonly namespace: NotificationsNamespace;
  private readonly record: DeliveryRecorder;

  constructor(namespace: NotificationsNamespace, record: DeliveryRecorder) {
    this.namespace = namespace;
    this.record = record;
  }

  /** Runs one fan-out of `push`; what it sent is written when it returns. */
  fanOut<T>(push: Push, action: () => T): T {
    this.fannedOut += 1;
    this.order.set(push, this.fannedOut);
    this.fanOutDepth += 1;
    try {
      return action();
    } finally {
      this.fanOutDepth -= 1;
      if (this.fanOutDepth === 0) this.flush();
    }
  }

  /** Sends `push` to one socket (written at the end of the fan-out or of this turn); `onAck` runs when the client acknowledges it. */
  send(socket: NotificationSocket, push: Push, onAck: () => void): void {
    const waiting = this.pending.get(push) ?? new Map<string, () => void>();
    waiting.set(socket.id, onAck);
    this.pending.set(push, waiting);
    if (this.fanOutDepth === 0 && !this.isScheduled) {
      this.isScheduled = true;
      setImmediate(() => {
        this.isScheduled = false;
        this.flush();
      });
    }
  }

  /** Writes everything gathered, oldest push first. */
  flush(): void {
    if (this.pending.size === 0) return;
    const groups = [...this.pending].sort(([a], [b]) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    this.pending.clear();
    for (const [push, waiting] of groups) this.write(push, waiting);
  }

  private write(push: Push, waiting: Waiting): void {
    // A socket that disconnected since its push was gathered is not written to, so not recorded either.
    const socketIds = [...waiting.keys()].filter((socketId) => this.namespace.sockets.has(socketId));
    if (socketIds.length === 0) return;
    this.record(push, socketIds);
    if (waiting.size === 1) {
      for (const [socketId, onAck] of waiting) {
        const socket = this.namespace.sockets.get(socketId);
        if (socket) emitTo(socket, push, onAck);
      }
      return;
    }
    this.namespace.adapter.broadcastWithAck(
      { type: eventPacket, data: [push.event, push.payload] },
      // Every socket is in a room named after its id.
      { rooms: new Set(waiting.keys()) },
      () => undefined,
      // socket.io calls an acknowledgement with the socket that answered as `this` (Socket#onack, undocumented:
      // test/fanout.test.ts "when sockets share a push and only some acknowledge" fails if that changes).
      function (this: { readonly id: string }) {
        const onAck = waiting.get(this.id);
        waiting.delete(this.id);
        onAck?.();
      },
    );
  }
}

function emitTo(socket: NotificationSocket, push: Push, onAck: () => void): void {
  if (push.event === 'mail:received') socket.emit('mail:received', push.payload, onAck);
  else socket.emit('topic:message', push.payload, onAck);
}

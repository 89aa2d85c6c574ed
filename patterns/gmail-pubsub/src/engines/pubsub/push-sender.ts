import type { NotificationSocket } from '../../realtime/client-session.ts';
import type { NotificationsNamespace } from '../../realtime/session-rules.ts';
import type { Push } from '../../realtime/socket-outbox.ts';

/** socket.io-parser's EVENT packet type (socket.io does not re-export the enum). */
const eventPacket = 2;

interface Gathering {
  readonly push: Push;
  /** Each socket's acknowledgement callback, by socket id. */
  readonly waiting: Map<string, () => void>;
}

/**
 * Writes pushes to sockets. In one fan-out every socket with room in its window is sent the same push, so
 * those sends are gathered and written as one broadcast with acknowledgements: socket.io encodes the packet
 * (and builds its WebSocket frame) once per publish instead of once per socket, and all of them share one
 * packet id, which is unique per socket since ids come from the namespace's one counter. A push let out of
 * a queue by an acknowledgement goes to its socket alone.
 */
export class PushSender {
  private gathering: Gathering | undefined;
  private readonly namespace: NotificationsNamespace;

  constructor(namespace: NotificationsNamespace) {
    this.namespace = namespace;
  }

  /** Runs one fan-out of `push`: its sends inside `action` are written together when it returns. */
  fanOut<T>(push: Push, action: () => T): T {
    const outer = this.gathering;
    const gathering: Gathering = { push, waiting: new Map() };
    this.gathering = gathering;
    try {
      return action();
    } finally {
      this.gathering = outer;
      this.write(gathering);
    }
  }

  /**
   * Sends `push` to one socket; `onAck` runs when the client acknowledges it. Within a fan-out of this push it
   * waits for the fan-out's end, which keeps each socket's order: a socket gets one push per fan-out, the
   * newest, and anything older let out of its queue on the way is written at once, before it.
   */
  send(socket: NotificationSocket, push: Push, onAck: () => void): void {
    if (this.gathering?.push === push) this.gathering.waiting.set(socket.id, onAck);
    else emitTo(socket, push, onAck);
  }

  private write({ push, waiting }: Gathering): void {
    if (waiting.size === 0) return;
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
      // socket.io calls an acknowledgement with the socket that answered as `this` (Socket#onack).
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

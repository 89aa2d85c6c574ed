import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, problemContentType, toProblem } from '@kvs-lab/shared/service';
import { answerFrame, LineSplitter, splitFrame, streamProtocol } from './stream-frames.ts';

/** The longest request line accepted: an AppendEntries batch is at most MAX_BATCH_ENTRIES 4 KiB values. */
const maxRequestChars = 16 * 1024 * 1024;

/** One kind of message a stream carries, answered as its HTTP route would answer it. */
export interface StreamEndpoint {
  /** The path the stream opens on (GET with `Upgrade: kvs-lab-peer-stream`). */
  readonly path: string;
  /** Why the opening request is refused (its signature), or undefined to accept it. */
  readonly refuseOpening: (request: IncomingMessage) => AppError<string> | undefined;
  /** One request line's answer: a status and a JSON body. Must not throw. */
  readonly answer: (signature: string, bodyText: string) => Promise<{ status: number; body: unknown }>;
}

/** Stops serving streams: open ones are cut, new ones refused (503). */
export interface StreamServer {
  readonly close: () => void;
}

/** Answers an opening request with a problem document and closes the connection. */
function refuse(socket: Duplex, error: AppError<string>): void {
  const body = JSON.stringify(toProblem(error));
  socket.end(
    `HTTP/1.1 ${error.status} ${error.title}\r\n` +
      `Content-Type: ${problemContentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/**
 * Serves peer streams on the node's HTTP server: an Upgrade to
 * `kvs-lab-peer-stream` on an endpoint's path turns the connection into a
 * line stream. Request lines are answered in the order they came, so the
 * sender can match answers to requests without ids; each is handled as soon
 * as it arrives (the node's own serial queue keeps them in order).
 * Other upgrades (socket.io's) are left to their own listener.
 */
export function serveStreams(server: Server, endpoints: readonly StreamEndpoint[]): StreamServer {
  const open = new Set<Duplex>();
  let isClosed = false;
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.headers.upgrade !== streamProtocol) return;
    if (isClosed) {
      refuse(socket, new AppError('NOT_READY', 'This node is shutting down: no new peer stream.'));
      return;
    }
    const endpoint = endpoints.find((e) => e.path === request.url);
    if (!endpoint) {
      refuse(socket, new AppError('NOT_FOUND', `No peer stream at ${request.url ?? ''}.`));
      return;
    }
    const refusal = endpoint.refuseOpening(request);
    if (refusal) {
      refuse(socket, refusal);
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${streamProtocol}\r\n\r\n`,
    );
    (socket as Duplex & { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    // The HTTP server keeps sockets half-open; a stream whose sender has finished is over.
    socket.on('end', () => socket.end());
    const lines = new LineSplitter(maxRequestChars);
    let answered = Promise.resolve();
    const onData = (chunk: Buffer) => {
      let received: string[];
      try {
        received = lines.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const line of received) {
        // A line without a signature field is judged as an unsigned message.
        const frame = splitFrame(line) ?? { head: '', bodyText: line };
        const answer = endpoint.answer(frame.head, frame.bodyText);
        // Answers leave in arrival order, whichever finishes first.
        answered = answered.then(async () => {
          const { status, body } = await answer;
          if (!socket.destroyed) socket.write(answerFrame(status, JSON.stringify(body)));
        });
      }
    };
    socket.on('data', onData);
    if (head.length > 0) onData(head);
  });
  return {
    close: () => {
      isClosed = true;
      for (const socket of open) socket.destroy();
    },
  };
}

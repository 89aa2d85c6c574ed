import http from 'node:http';
import type { Socket } from 'node:net';
import type { PeerReply } from './peer-reply.ts';
import { LineSplitter, splitFrame, streamProtocol } from './stream-frames.ts';

/** The longest answer line accepted: answers are small (a term and an index or two). */
const maxAnswerChars = 64 * 1024;

interface Pending {
  readonly resolve: (reply: PeerReply<unknown>) => void;
  readonly timer: NodeJS.Timeout;
  /** Written to the socket: the peer may have acted on it, so losing it now is a timeout, not unreachable. */
  isSent: boolean;
  readonly frame: string;
}

/**
 * One long-lived connection to a peer that carries many requests at once: an
 * HTTP Upgrade turns a single TCP connection into a two-way line stream, the
 * requests go out back to back without waiting (pipelining), and the peer
 * answers them in the order they came. A request gets its answer, or a
 * timeout, like an HTTP call; but there is no request line, no headers and
 * no new connection per message.
 *
 * Any timeout or error closes the connection and fails every request still
 * waiting (their answers could no longer be told apart); the next request
 * opens a new one.
 */
export class PeerStream {
  private readonly url: URL;
  private readonly path: string;
  private readonly openHeaders: () => Record<string, string>;
  private readonly label: string;
  /** Oldest first: the next answer line belongs to `waiting[0]`. */
  private waiting: Pending[] = [];
  private socket: Socket | undefined;
  private opening: http.ClientRequest | undefined;

  /** `openHeaders` are sent with each Upgrade request (the opener's name and signature). */
  constructor(baseUrl: string, path: string, openHeaders: () => Record<string, string>, label: string) {
    this.url = new URL(baseUrl);
    this.path = path;
    this.openHeaders = openHeaders;
    this.label = label;
  }

  /** Sends one request line; resolves with its answer, or `timeout` / `unreachable`, never rejects. */
  call<T>(frame: string, timeoutMs: number): Promise<PeerReply<T>> {
    return new Promise<PeerReply<T>>((resolve) => {
      const pending: Pending = {
        resolve: resolve as (reply: PeerReply<unknown>) => void,
        timer: setTimeout(
          () =>
            this.close({ kind: 'timeout', reason: `${this.label} did not answer within ${timeoutMs} ms` }),
          timeoutMs,
        ),
        isSent: false,
        frame,
      };
      this.waiting.push(pending);
      if (this.socket) this.write(pending);
      else this.open();
    });
  }

  /** Ends the connection (shutdown); requests still waiting are told the peer is unreachable. */
  destroy(): void {
    this.close({ kind: 'unreachable', reason: `the stream to ${this.label} was closed` });
  }

  private write(pending: Pending): void {
    pending.isSent = true;
    this.socket?.write(pending.frame);
  }

  private open(): void {
    if (this.opening) return;
    const request = http.request({
      hostname: this.url.hostname,
      port: this.url.port,
      method: 'GET',
      path: this.path,
      agent: false,
      headers: { connection: 'Upgrade', upgrade: streamProtocol, ...this.openHeaders() },
    });
    this.opening = request;
    request.on('upgrade', (_response, socket, head) => {
      if (this.opening !== request) {
        socket.destroy();
        return;
      }
      this.opening = undefined;
      this.attach(socket, head);
    });
    request.on('response', (response) => {
      response.resume();
      if (this.opening !== request) return;
      this.close({
        kind: 'unreachable',
        reason: `${this.label} refused the stream: HTTP ${response.statusCode ?? 0}`,
      });
    });
    request.on('error', (error) => {
      if (this.opening !== request) return;
      this.close({ kind: 'unreachable', reason: `${this.label}: ${error.message}` });
    });
    request.end();
  }

  private attach(socket: Socket, head: Buffer): void {
    this.socket = socket;
    // Small frames, each awaited by someone: Nagle's delay would only add latency.
    socket.setNoDelay(true);
    const lines = new LineSplitter(maxAnswerChars);
    const onData = (chunk: Buffer) => {
      let answers: string[];
      try {
        answers = lines.push(chunk);
      } catch (error) {
        this.close({ kind: 'timeout', reason: `${this.label}: ${(error as Error).message}` });
        return;
      }
      for (const line of answers) this.answer(line);
    };
    socket.on('data', onData);
    const lost = (reason: string) => {
      if (this.socket === socket) this.close({ kind: 'timeout', reason: `${this.label}: ${reason}` });
    };
    socket.on('error', (error) => lost(error.message));
    socket.on('close', () => lost('the stream closed'));
    for (const pending of this.waiting) this.write(pending);
    if (head.length > 0) onData(head);
  }

  private answer(line: string): void {
    const pending = this.waiting.shift();
    if (!pending) return;
    clearTimeout(pending.timer);
    const frame = splitFrame(line);
    const status = Number(frame?.head);
    let body: unknown;
    try {
      body = frame && frame.bodyText !== '' ? JSON.parse(frame.bodyText) : undefined;
    } catch {
      body = undefined;
    }
    pending.resolve(
      Number.isInteger(status)
        ? { kind: 'ok', status, body }
        : { kind: 'timeout', reason: `${this.label} sent an answer that is not one` },
    );
  }

  /**
   * Drops the connection and settles every request waiting: a sent one as `reason` says (it may have
   * been acted on), one never sent as unreachable.
   */
  private close(reason: Exclude<PeerReply<never>, { kind: 'ok' }>): void {
    const waiting = this.waiting;
    this.waiting = [];
    const socket = this.socket;
    this.socket = undefined;
    const opening = this.opening;
    this.opening = undefined;
    socket?.destroy();
    opening?.destroy();
    for (const pending of waiting) {
      clearTimeout(pending.timer);
      pending.resolve(pending.isSent ? reason : { kind: 'unreachable', reason: reason.reason });
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { LinkControl, LinkState } from '@kvs-lab/shared/service';
import { signatureHeader, signMessage } from './peer-auth.ts';
import type { PeerAuth } from './peer-auth.ts';
import type { PeerReply } from './peer-reply.ts';
import { PeerStream } from './peer-stream.ts';
import { requestFrame, streamPathOf } from './stream-frames.ts';

export type { PeerReply } from './peer-reply.ts';

/** One peer as PEERS names it: `ring-2=http://127.0.0.1:7102`. */
export interface PeerAddress {
  readonly name: string;
  readonly url: string;
}

/** Parses `PEERS=name=http://host:port,...`; the ring size is 1 + the number of peers. */
export function parsePeers(value: string): PeerAddress[] {
  const peers = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      const name = entry.slice(0, at).trim();
      const url = entry.slice(at + 1).trim();
      if (at <= 0 || !/^[a-z0-9][a-z0-9-]*$/.test(name) || !/^https?:\/\/[^/]+$/.test(url)) {
        throw new Error(`PEERS entry "${entry}" must be name=http://host:port`);
      }
      return { name, url };
    });
  if (new Set(peers.map((p) => p.name)).size !== peers.length) throw new Error('PEERS names a peer twice');
  return peers;
}

/**
 * The HTTP link to one peer, with the same chaos controls as a Redis link:
 * `cut` drops every message both ways (outgoing here, incoming in the
 * internal routes), `slow` delays each outgoing message.
 */
export class PeerLink implements LinkControl {
  readonly name: string;
  readonly url: string;
  private link: LinkState = { mode: 'ok' };
  private readonly auth: PeerAuth;
  /** One long-lived stream per message path, opened on first use. */
  private readonly streams = new Map<string, PeerStream>();

  /** `auth` signs every `/internal/` message; client requests forwarded to the leader need no signature. */
  constructor(address: PeerAddress, auth: PeerAuth = { mode: 'off' }) {
    this.name = address.name;
    this.url = address.url;
    this.auth = auth;
  }

  linkState(): LinkState {
    return this.link;
  }

  setLink(state: LinkState): void {
    this.link = state;
  }

  get isCut(): boolean {
    return this.link.mode === 'cut';
  }

  /**
   * One message over the long-lived stream for `path` (see PeerStream): signed as `send` would sign a
   * POST to `path`, answered the same way, without a connection or headers per message. Messages sent
   * one after another arrive, and are answered, in that order.
   */
  async stream<T>(path: string, body: unknown, timeoutMs: number): Promise<PeerReply<T>> {
    const link = this.link;
    if (link.mode === 'cut') return { kind: 'unreachable', reason: `link to ${this.name} is cut (chaos)` };
    if (link.mode === 'slow') await sleep(link.delayMs);
    const bodyText = JSON.stringify(body);
    const frame = requestFrame(this.sign('POST', path, bodyText), bodyText);
    return this.streamFor(path).call<T>(frame, timeoutMs);
  }

  /** Closes the streams (node shutdown). */
  close(): void {
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
  }

  private streamFor(path: string): PeerStream {
    let stream = this.streams.get(path);
    if (!stream) {
      const openPath = streamPathOf(path);
      const signature = () => this.sign('GET', openPath, '');
      stream = new PeerStream(
        this.url,
        openPath,
        (): Record<string, string> => (this.auth.mode === 'hmac' ? { [signatureHeader]: signature() } : {}),
        this.name,
      );
      this.streams.set(path, stream);
    }
    return stream;
  }

  /** The signature header's value for one message, or '' when peers are not authenticated. */
  private sign(method: string, path: string, bodyText: string): string {
    return this.auth.mode === 'hmac' ? signMessage(this.auth.secret, method, path, bodyText, Date.now()) : '';
  }

  async send<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    timeoutMs: number,
    headers: Record<string, string> = {},
  ): Promise<PeerReply<T>> {
    const link = this.link;
    if (link.mode === 'cut') return { kind: 'unreachable', reason: `link to ${this.name} is cut (chaos)` };
    if (link.mode === 'slow') await sleep(link.delayMs);
    const bodyText = body === undefined ? undefined : JSON.stringify(body);
    const signed: Record<string, string> =
      this.auth.mode === 'hmac' && path.startsWith('/internal/')
        ? { [signatureHeader]: this.sign(method, path, bodyText ?? '') }
        : {};
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers:
          bodyText === undefined
            ? { ...headers, ...signed }
            : { 'content-type': 'application/json', ...headers, ...signed },
        ...(bodyText === undefined ? {} : { body: bodyText }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      const parsed: unknown = text === '' ? undefined : JSON.parse(text);
      return { kind: 'ok', status: response.status, body: parsed as T };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { kind: 'timeout', reason: `${this.name} did not answer within ${timeoutMs} ms` };
      }
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      return { kind: 'unreachable', reason: `${this.name}: ${cause}` };
    }
  }
}

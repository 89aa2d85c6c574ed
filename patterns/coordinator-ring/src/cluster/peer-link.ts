import { setTimeout as sleep } from 'node:timers/promises';
import type { LinkControl, LinkState } from '@kvs-lab/shared/service';
import { signatureHeader, signMessage } from './peer-auth.ts';
import type { PeerAuth } from './peer-auth.ts';

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

/** How a call to a peer ended, without exceptions: the caller decides what each means. */
export type PeerReply<T> =
  | { readonly kind: 'ok'; readonly status: number; readonly body: T }
  /** Nothing was delivered: link cut, connection refused. */
  | { readonly kind: 'unreachable'; readonly reason: string }
  /** Sent, but no answer in time: the peer may have acted on it. */
  | { readonly kind: 'timeout'; readonly reason: string };

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
        ? { [signatureHeader]: signMessage(this.auth.secret, method, path, bodyText ?? '', Date.now()) }
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

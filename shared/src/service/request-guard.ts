import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from './app-error.ts';

/**
 * Who may talk to a lab service from a browser. A lab runs on a laptop next to
 * whatever else the user browses, so two attacks matter:
 * - cross-site requests: a page on another origin POSTs to 127.0.0.1:7401;
 * - DNS rebinding: evil.example resolves to 127.0.0.1, so the page is "same-origin"
 *   with the service, but its requests carry `Host: evil.example`.
 * Checking `Host` stops the second; checking `Origin` on state-changing requests
 * (and on socket.io handshakes) stops the first.
 */
export interface RequestGuardOptions {
  /** Names the service is reached by besides loopback: its compose service name, `ALLOWED_HOSTS`. */
  readonly hostNames: readonly string[];
  /** Origins allowed besides the service's own (`CORS_ORIGINS`), e.g. `http://localhost:5173`. */
  readonly origins: readonly string[];
}

const loopbackNames = ['localhost', '127.0.0.1', '[::1]', '::1'];
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `example:7401` -> `example`, `[::1]:7401` -> `[::1]`; lower case, since host names are. */
export function hostNameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end === -1 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** The lists from the environment: comma-separated, blanks dropped. */
export function listFromEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export interface RequestGuard {
  /** Refuses requests for a Host the service is not served as, and cross-origin state changes. */
  readonly middleware: RequestHandler;
  /** For socket.io's `allowRequest`: the same Host and Origin rules on the handshake. */
  readonly allowsHandshake: (req: IncomingMessage) => { ok: true } | { ok: false; reason: string };
}

export function requestGuard(options: RequestGuardOptions): RequestGuard {
  const hosts = new Set([...loopbackNames, ...options.hostNames.map(hostNameOf)]);
  const origins = new Set(options.origins.map((origin) => origin.toLowerCase().replace(/\/$/, '')));

  const hostAllowed = (host: string | undefined): boolean =>
    host !== undefined && hosts.has(hostNameOf(host));

  // An origin is allowed when it is the page the service itself served (same host and port), or listed.
  const originAllowed = (origin: string, host: string | undefined): boolean => {
    const lower = origin.toLowerCase();
    if (origins.has(lower)) return true;
    if (host === undefined) return false;
    try {
      const url = new URL(lower);
      return url.host === host.toLowerCase() && (url.protocol === 'http:' || url.protocol === 'https:');
    } catch {
      return false; // `null` (sandboxed frames, file://) and other opaque origins
    }
  };

  const refusal = (
    method: string,
    host: string | undefined,
    origin: string | undefined,
    isHandshake: boolean,
  ): AppError | undefined => {
    if (!hostAllowed(host)) {
      return new AppError(
        'HOST_NOT_ALLOWED',
        `Host ${host ?? '(none)'} is not a name this service is served as; add it to ALLOWED_HOSTS to allow it.`,
      );
    }
    const changesState = isHandshake || !safeMethods.has(method);
    if (changesState && origin !== undefined && !originAllowed(origin, host)) {
      return new AppError(
        'CROSS_ORIGIN_REFUSED',
        `A page from ${origin} may not change this service's state; add the origin to CORS_ORIGINS to allow it.`,
      );
    }
    return undefined;
  };

  return {
    middleware: (req, _res, next) => {
      next(refusal(req.method, req.headers.host, req.headers.origin, false));
    },
    allowsHandshake: (req) => {
      const error = refusal('GET', req.headers.host, req.headers.origin, true);
      return error ? { ok: false, reason: error.message } : { ok: true };
    },
  };
}

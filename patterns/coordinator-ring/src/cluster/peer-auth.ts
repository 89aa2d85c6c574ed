import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a peer message's signature (the kit's loggers redact it). */
export const signatureHeader = 'x-cluster-signature';

/**
 * How this node proves itself to its peers and checks them: `hmac` signs and
 * verifies every internal message with the shared CLUSTER_SECRET; `off`
 * (LAB_INSECURE_PEERS=1 only) sends and accepts unsigned messages.
 */
export type PeerAuth = { readonly mode: 'hmac'; readonly secret: string } | { readonly mode: 'off' };

/** How far a signature's timestamp may be from this node's clock before the message counts as a replay. */
export const maxSignatureAgeMs = 30_000;

/** What a signature covers: the method and path (a vote cannot pass as an append) and the exact body text. */
const signedText = (timestampMs: number, method: string, path: string, bodyText: string): string =>
  `${timestampMs}\n${method.toUpperCase()}\n${path}\n${bodyText}`;

const mac = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('hex');

/** The header value for one message: `t=<ms>,v1=<hex HMAC-SHA256>`. */
export function signMessage(
  secret: string,
  method: string,
  path: string,
  bodyText: string,
  nowMs: number,
): string {
  return `t=${nowMs},v1=${mac(secret, signedText(nowMs, method, path, bodyText))}`;
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Checks a message's signature. Raft tolerates duplicated messages, so a
 * replay inside the time window does no harm; the window only stops a
 * recorded message from being played back much later.
 */
export function verifyMessage(
  secret: string,
  header: string | undefined,
  method: string,
  path: string,
  bodyText: string,
  nowMs: number,
): SignatureCheck {
  if (!header) return { ok: false, reason: `no ${signatureHeader} header` };
  const match = /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!match) return { ok: false, reason: `${signatureHeader} is not t=<ms>,v1=<hex>` };
  const timestampMs = Number(match[1]);
  if (Math.abs(nowMs - timestampMs) > maxSignatureAgeMs) {
    return { ok: false, reason: `the signature is more than ${maxSignatureAgeMs} ms old or ahead` };
  }
  const expected = Buffer.from(mac(secret, signedText(timestampMs, method, path, bodyText)), 'hex');
  const given = Buffer.from(match[2] ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match: wrong CLUSTER_SECRET or altered message' };
  }
  return { ok: true };
}

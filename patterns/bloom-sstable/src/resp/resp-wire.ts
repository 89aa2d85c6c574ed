import type { ParsedCommand, RespLimits } from '@kvs-lab/shared/resp';
import { resp } from '@kvs-lab/shared/resp';
import type { ByteString } from '../domain/byte-string.ts';
import { fromBytes, fromText } from '../domain/byte-string.ts';
import { splitInline } from './inline-args.ts';

/**
 * RESP2 on bytes. The kit's parser (`@kvs-lab/shared/resp`) decodes arguments
 * as UTF-8, which would merge `bin:\xff` and `bin:\xfe` into one key; a
 * Redis-compatible store must keep every byte, so this port parses into byte
 * strings (the kit's `ParsedCommand` shape and limits) and replies with byte
 * strings written as `latin1` (one char, one byte). Replies without user
 * bytes are the kit's, re-encoded.
 */

const CR = 13;
const LF = 10;

function lineEnd(buffer: Uint8Array, from: number): number {
  const at = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).indexOf('\r\n', from);
  return at;
}

/** A decimal length (no sign, no spaces), or undefined. */
function parseLength(buffer: Uint8Array, start: number, end: number): number | undefined {
  if (end <= start || end - start > 10) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buffer[i] ?? 0;
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Parses one command at `offset`: a multibulk array, or an inline line as typed in telnet. Never throws. */
export function parseFrame(buffer: Uint8Array, offset: number, limits: RespLimits): ParsedCommand {
  if (offset >= buffer.length) return { kind: 'incomplete' };
  if (buffer[offset] !== 42 /* '*' */) return parseInline(buffer, offset, limits);
  const headerEnd = lineEnd(buffer, offset);
  if (headerEnd === -1) {
    return buffer.length - offset > 32
      ? { kind: 'malformed', message: 'Protocol error: invalid multibulk length' }
      : { kind: 'incomplete' };
  }
  // Redis skips `*0` and `*-1` (a null array): no command, no reply.
  if (buffer[offset + 1] === 45 /* '-' */ && parseLength(buffer, offset + 2, headerEnd) !== undefined) {
    return { kind: 'command', args: [], next: headerEnd + 2 };
  }
  const count = parseLength(buffer, offset + 1, headerEnd);
  if (count === undefined || count > limits.maxArgs) {
    return { kind: 'malformed', message: 'Protocol error: invalid multibulk length' };
  }
  const args: ByteString[] = [];
  let at = headerEnd + 2;
  for (let i = 0; i < count; i++) {
    if (at >= buffer.length) return { kind: 'incomplete' };
    if (buffer[at] !== 36 /* '$' */) {
      return {
        kind: 'malformed',
        message: `Protocol error: expected '$', got '${String.fromCharCode(buffer[at] ?? 0)}'`,
      };
    }
    const end = lineEnd(buffer, at);
    if (end === -1) {
      return buffer.length - at > 32
        ? { kind: 'malformed', message: 'Protocol error: invalid bulk length' }
        : { kind: 'incomplete' };
    }
    const length = parseLength(buffer, at + 1, end);
    if (length === undefined || length > limits.maxBulkBytes) {
      return { kind: 'malformed', message: 'Protocol error: invalid bulk length' };
    }
    const dataStart = end + 2;
    if (buffer.length < dataStart + length + 2) return { kind: 'incomplete' };
    if (buffer[dataStart + length] !== CR || buffer[dataStart + length + 1] !== LF) {
      return { kind: 'malformed', message: 'Protocol error: bulk string not followed by CRLF' };
    }
    args.push(fromBytes(buffer.subarray(dataStart, dataStart + length)));
    at = dataStart + length + 2;
  }
  return { kind: 'command', args, next: at };
}

function parseInline(buffer: Uint8Array, offset: number, limits: RespLimits): ParsedCommand {
  const end = buffer.indexOf(LF, offset);
  if (end === -1) {
    return buffer.length - offset > limits.maxInlineBytes
      ? { kind: 'malformed', message: 'Protocol error: too big inline request' }
      : { kind: 'incomplete' };
  }
  const textEnd = end > offset && buffer[end - 1] === CR ? end - 1 : end;
  const args = splitInline(fromBytes(buffer.subarray(offset, textEnd)));
  if (args === undefined)
    return { kind: 'malformed', message: 'Protocol error: unbalanced quotes in request' };
  if (args.length > limits.maxArgs)
    return { kind: 'malformed', message: 'Protocol error: too many arguments' };
  return { kind: 'command', args, next: end + 1 };
}

/** Replies as byte strings; write them with `socket.write(reply, 'latin1')`. Texts (errors, status) go as UTF-8. */
export const wire = {
  simple: (text: string): ByteString => fromText(resp.simple(text)),
  error: (message: string): ByteString => fromText(resp.error(message)),
  /** An error that quotes the client's bytes as they came (Redis echoes them raw), CR and LF made spaces. */
  errorBytes: (message: ByteString): ByteString => `-${message.replace(/[\r\n]/g, ' ')}\r\n`,
  integer: resp.integer,
  // Not the kit's: its bulk counts UTF-8 bytes of text; a byte string's length is its byte count.
  bulk: (bytes: ByteString | null): ByteString =>
    bytes === null ? '$-1\r\n' : `$${bytes.length}\r\n${bytes}\r\n`,
  array: resp.array,
  bulkArray: (items: readonly ByteString[]): ByteString =>
    `*${items.length}\r\n${items.map((i) => wire.bulk(i)).join('')}`,
} as const;

export const notInteger = wire.error('ERR value is not an integer or out of range');

/** A whole number as Redis parses one (string2ll: optional '-', no '+', no spaces, no leading zeros), or undefined. */
export function redisInteger(text: ByteString): number | undefined {
  if (!/^(0|-?[1-9]\d{0,18})$/.test(text)) return undefined;
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return Number(n);
}

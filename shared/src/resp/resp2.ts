/**
 * RESP2, the Redis wire protocol, both ways. Clients send commands as arrays
 * of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or as one inline line
 * (`PING\r\n`, what telnet users type); servers answer with simple strings,
 * errors, integers, bulk strings and arrays. The parser never throws: a
 * malformed frame is a value the server answers and then hangs up on.
 */

export interface RespLimits {
  readonly maxArgs: number;
  readonly maxBulkBytes: number;
  readonly maxInlineBytes: number;
}

export const defaultRespLimits: RespLimits = {
  maxArgs: 1024,
  maxBulkBytes: 512 * 1024,
  maxInlineBytes: 64 * 1024,
};

export type ParsedCommand =
  | { readonly kind: 'command'; readonly args: string[]; readonly next: number }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'malformed'; readonly message: string };

const CR = 13;
const LF = 10;
const decoder = new TextDecoder();

function lineEnd(buffer: Uint8Array, from: number): number {
  for (let i = from; i + 1 < buffer.length; i++) {
    if (buffer[i] === CR && buffer[i + 1] === LF) return i;
  }
  return -1;
}

/** A non-negative decimal integer, or undefined (no signs, no spaces, no empty string). */
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

/** Parses one command starting at `offset`. */
export function parseCommand(
  buffer: Uint8Array,
  offset: number,
  limits: RespLimits = defaultRespLimits,
): ParsedCommand {
  if (offset >= buffer.length) return { kind: 'incomplete' };
  if (buffer[offset] !== 42 /* '*' */) return parseInline(buffer, offset, limits);
  const headerEnd = lineEnd(buffer, offset);
  if (headerEnd === -1) {
    return buffer.length - offset > 32
      ? { kind: 'malformed', message: 'Protocol error: invalid multibulk length' }
      : { kind: 'incomplete' };
  }
  const count = parseLength(buffer, offset + 1, headerEnd);
  if (count === undefined || count > limits.maxArgs) {
    return { kind: 'malformed', message: 'Protocol error: invalid multibulk length' };
  }
  const args: string[] = [];
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
    args.push(decoder.decode(buffer.subarray(dataStart, dataStart + length)));
    at = dataStart + length + 2;
  }
  return { kind: 'command', args, next: at };
}

function parseInline(buffer: Uint8Array, offset: number, limits: RespLimits): ParsedCommand {
  let end = -1;
  for (let i = offset; i < buffer.length; i++) {
    if (buffer[i] === LF) {
      end = i;
      break;
    }
  }
  if (end === -1) {
    return buffer.length - offset > limits.maxInlineBytes
      ? { kind: 'malformed', message: 'Protocol error: too big inline request' }
      : { kind: 'incomplete' };
  }
  const textEnd = end > offset && buffer[end - 1] === CR ? end - 1 : end;
  const line = decoder.decode(buffer.subarray(offset, textEnd));
  const args = line.split(' ').filter((part) => part.length > 0);
  if (args.length > limits.maxArgs)
    return { kind: 'malformed', message: 'Protocol error: too many arguments' };
  return { kind: 'command', args, next: end + 1 };
}

/** Server replies, as wire text. */
export const resp = {
  simple: (text: string): string => `+${text.replace(/[\r\n]/g, ' ')}\r\n`,
  error: (message: string): string => `-${message.replace(/[\r\n]/g, ' ')}\r\n`,
  integer: (n: number): string => `:${Math.trunc(n)}\r\n`,
  bulk: (text: string | null): string => (text === null ? '$-1\r\n' : `$${utf8Length(text)}\r\n${text}\r\n`),
  array: (items: readonly string[]): string => `*${items.length}\r\n${items.join('')}`,
  bulkArray: (items: readonly string[]): string =>
    `*${items.length}\r\n${items.map((i) => resp.bulk(i)).join('')}`,
} as const;

/** Bytes `text` takes in UTF-8, without encoding it: a bulk string's length prefix counts bytes, not chars. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

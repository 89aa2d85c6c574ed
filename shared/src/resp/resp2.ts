/**
 * RESP2, the Redis wire protocol: what a parser of client commands hands its
 * server, the limits it enforces, and the server's replies. Clients send
 * commands as arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or as
 * one inline line (`PING\r\n`, what telnet users type); servers answer with
 * simple strings, errors, integers, bulk strings and arrays.
 *
 * The parser itself lives with the one port that speaks RESP (bloom-sstable's
 * `resp-wire.ts`): it must split inline lines with Redis's quoting rules and
 * keep keys as bytes, and it is tested against a real redis-server there. A
 * parser that never throws returns `malformed` for a frame the server answers
 * and then hangs up on.
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

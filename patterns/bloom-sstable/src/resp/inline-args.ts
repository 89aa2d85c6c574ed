import type { ByteString } from '../domain/byte-string.ts';

/**
 * Splits an inline command line (what `telnet`, `nc` or text fed to
 * `redis-cli --pipe` sends) into arguments the way Redis does: blanks
 * separate arguments; "double quotes" take the escapes \n \r \t \b \a \\ \"
 * and \xHH (one byte); 'single quotes' take only \'. A closing quote must be
 * followed by a blank or the end of the line, and an unclosed quote makes the
 * line invalid: undefined, which Redis answers with "unbalanced quotes".
 * Splitting on spaces alone would store `"hello world"` as two arguments.
 */
export function splitInline(line: ByteString): ByteString[] | undefined {
  // Redis reads the line as a C string: a NUL byte ends it.
  const nul = line.indexOf('\0');
  const text = nul === -1 ? line : line.slice(0, nul);
  const args: ByteString[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && isBlank(text[at])) at += 1;
    if (at >= text.length) return args;
    let arg = '';
    let quote: '"' | "'" | undefined;
    for (;;) {
      const c = text[at];
      if (quote === '"') {
        if (c === undefined) return undefined;
        if (c === '\\' && text[at + 1] === 'x' && isHex(text[at + 2]) && isHex(text[at + 3])) {
          arg += String.fromCharCode(parseInt(text.slice(at + 2, at + 4), 16));
          at += 4;
          continue;
        }
        if (c === '\\' && at + 1 < text.length) {
          arg += unescape(text[at + 1] ?? '');
          at += 2;
          continue;
        }
        if (c === '"') {
          if (at + 1 < text.length && !isBlank(text[at + 1])) return undefined;
          at += 1;
          break;
        }
      } else if (quote === "'") {
        if (c === undefined) return undefined;
        if (c === '\\' && text[at + 1] === "'") {
          arg += "'";
          at += 2;
          continue;
        }
        if (c === "'") {
          if (at + 1 < text.length && !isBlank(text[at + 1])) return undefined;
          at += 1;
          break;
        }
      } else {
        if (c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r') break;
        // A quote opens even in the middle of an argument: a"b c" is `ab c`, as in Redis.
        if (c === '"' || c === "'") {
          quote = c;
          at += 1;
          continue;
        }
      }
      arg += c;
      at += 1;
    }
    args.push(arg);
  }
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

function unescape(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\x07';
    default:
      return c;
  }
}

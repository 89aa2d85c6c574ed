/**
 * The subset of Redis glob patterns KEYS understands here: `*` (any run),
 * `?` (one character), `[abc]` / `[a-z]` (a class), and `\` to escape.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < pattern.length) out += escape(pattern.charAt(++i));
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        const body = pattern.slice(i + 1, close).replace(/[\\\]^]/g, (m) => `\\${m}`);
        out += body.length === 0 ? '(?!)' : `[${body}]`;
        i = close;
      }
    } else out += escape(c);
  }
  return new RegExp(`${out}$`, 's');
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The longest literal prefix of a pattern: a scan can start there instead of at the first key. */
export function literalPrefix(pattern: string): string {
  const stop = pattern.search(/[*?[\\]/);
  return stop === -1 ? pattern : pattern.slice(0, stop);
}

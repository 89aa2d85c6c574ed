import type { ByteString } from './byte-string.ts';

/**
 * Redis glob patterns (KEYS, SCAN MATCH) over byte strings, with Redis's
 * semantics: `*` any run, `?` one byte, `[abc]`, `[a-z]` (a reversed range
 * is swapped), `[^...]` negation, `\` escapes (also inside a class); an
 * unclosed `[` takes the rest of the pattern as its class.
 *
 * Matching never backtracks more than one star: each token matches exactly
 * one byte except `*`, so after a mismatch only the last star needs to eat
 * one more byte (earlier stars could not do better). That bounds the work
 * by key length x pattern length, where a backtracking RegExp (and Redis
 * before CVE-2022-36021's fix) is exponential in the number of stars.
 */
export type GlobToken =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'byte'; readonly code: number }
  | {
      readonly kind: 'class';
      readonly isNegated: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

/** Compiles a pattern once; consecutive stars collapse into one. */
export function compileGlob(pattern: ByteString): GlobToken[] {
  const tokens: GlobToken[] = [];
  const code = (i: number) => pattern.charCodeAt(i);
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '\\' && i + 1 < pattern.length) tokens.push({ kind: 'byte', code: code(++i) });
    else if (c === '[') {
      i += 1;
      const isNegated = pattern[i] === '^';
      if (isNegated) i += 1;
      const ranges: [number, number][] = [];
      for (; i < pattern.length && pattern[i] !== ']'; i++) {
        if (pattern[i] === '\\' && i + 1 < pattern.length) {
          i += 1;
          ranges.push([code(i), code(i)]);
        } else if (i + 2 < pattern.length && pattern[i + 1] === '-') {
          const [from, to] = [code(i), code(i + 2)];
          ranges.push(from <= to ? [from, to] : [to, from]);
          i += 2;
        } else ranges.push([code(i), code(i)]);
      }
      tokens.push({ kind: 'class', isNegated, ranges });
    } else tokens.push({ kind: 'byte', code: code(i) });
  }
  return tokens;
}

function matchesOne(token: GlobToken, byte: number): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'byte':
      return token.code === byte;
    case 'class':
      return token.ranges.some(([from, to]) => byte >= from && byte <= to) !== token.isNegated;
    case 'star':
      return false;
  }
}

/** Whether `key` matches the compiled pattern, in O(key length x tokens) at worst. */
export function globMatches(tokens: readonly GlobToken[], key: ByteString): boolean {
  let t = 0;
  let k = 0;
  let lastStar = -1;
  let starKey = 0;
  while (k < key.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      lastStar = t++;
      starKey = k;
    } else if (token && matchesOne(token, key.charCodeAt(k))) {
      t += 1;
      k += 1;
    } else if (lastStar >= 0) {
      // Let the last star take one more byte and retry the tokens after it.
      t = lastStar + 1;
      k = ++starKey;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t += 1;
  return t === tokens.length;
}

/** The bytes every match starts with: a scan can start there and stop after them. */
export function literalPrefix(tokens: readonly GlobToken[]): ByteString {
  let prefix = '';
  for (const token of tokens) {
    if (token.kind !== 'byte') break;
    prefix += String.fromCharCode(token.code);
  }
  return prefix;
}

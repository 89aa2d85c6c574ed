import { describe, expect, it } from 'vitest';
import { displayOf, fromBase64, fromBytes, fromText } from './byte-string.ts';
import { keyProblem } from './entry.ts';
import { compileGlob, globMatches, literalPrefix } from './glob.ts';
import { LruCache } from './lru-cache.ts';

describe('KEYS glob patterns (Redis semantics)', () => {
  it.each([
    ['user:*', 'user:42', true],
    ['user:*', 'users', false],
    ['h?llo', 'hello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true],
    ['h[\\]]llo', 'h]llo', true],
    ['h[]llo', 'hllo', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a.b', 'axb', false],
    ['a[bc', 'ac', true],
    ['*a*b', 'xaxxb', true],
    ['*a*b', 'xaxxbc', false],
    ['**', '', true],
    ['a\\', 'a\\', true],
    ['?', '\xff', true],
  ])('when %j is matched against %j, then the answer is %s', (pattern, key, expected) => {
    expect(globMatches(compileGlob(pattern), key)).toBe(expected);
  });

  it('when many stars meet a long key that does not match, then the match ends in time linear in the key (no backtracking blow-up)', () => {
    // With a backtracking RegExp this pattern takes seconds on this key, and each extra `*a` multiplies it.
    const tokens = compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*b');
    const key = 'a'.repeat(20_000);
    let steps = 0;
    const counted = new Proxy(tokens, {
      get: (target, p, r) => {
        if (typeof p === 'string' && /^\d+$/.test(p)) steps += 1;
        return Reflect.get(target, p, r) as unknown;
      },
    });
    expect(globMatches(counted, key)).toBe(false);
    // The bound is key length x tokens; exponential work would be far beyond it.
    expect(steps).toBeLessThan(3 * key.length * tokens.length);
  });

  it('when random patterns and keys are matched, then the linear matcher agrees with a transcription of Redis stringmatchlen', () => {
    // Redis's recursive matcher (util.c), transcribed: exponential in stars, fine for tiny inputs.
    const redisMatch = (p: string, k: string): boolean => {
      let pi = 0;
      let ki = 0;
      while (pi < p.length && ki < k.length) {
        const c = p[pi];
        if (c === '*') {
          while (p[pi + 1] === '*') pi++;
          if (pi + 1 === p.length) return true;
          for (let from = ki; from < k.length; from++)
            if (redisMatch(p.slice(pi + 1), k.slice(from))) return true;
          return false;
        } else if (c === '?') ki++;
        else if (c === '[') {
          pi++;
          const not = p[pi] === '^';
          if (not) pi++;
          let match = false;
          for (;;) {
            if (p[pi] === '\\' && p.length - pi >= 2) {
              pi++;
              if (p[pi] === k[ki]) match = true;
            } else if (p[pi] === ']') break;
            else if (pi >= p.length) {
              pi--;
              break;
            } else if (p.length - pi >= 3 && p[pi + 1] === '-') {
              let [a, b] = [p.charCodeAt(pi), p.charCodeAt(pi + 2)];
              if (a > b) [a, b] = [b, a];
              const ch = k.charCodeAt(ki);
              pi += 2;
              if (ch >= a && ch <= b) match = true;
            } else if (p[pi] === k[ki]) match = true;
            pi++;
          }
          if (not) match = !match;
          if (!match) return false;
          ki++;
        } else {
          if (c === '\\' && p.length - pi >= 2) pi++;
          if (p[pi] !== k[ki]) return false;
          ki++;
        }
        pi++;
        if (ki === k.length) while (p[pi] === '*') pi++;
      }
      return pi === p.length && ki === k.length;
    };
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = (alphabet: string, max: number) =>
      Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]).join('');
    for (let i = 0; i < 5000; i++) {
      const pattern = pick('ab*?[]^-\\', 7);
      // Keys have at least one byte here (Redis's matcher says "*" does not match the empty string).
      const key = pick('ab-]^', 5) + 'ab-]^'[random(5)];
      expect(
        globMatches(compileGlob(pattern), key),
        `${JSON.stringify(pattern)} vs ${JSON.stringify(key)}`,
      ).toBe(redisMatch(pattern, key));
    }
  });

  it('when a pattern starts with literal bytes (escapes included), then they are the scan prefix', () => {
    expect(literalPrefix(compileGlob('user:1*'))).toBe('user:1');
    expect(literalPrefix(compileGlob('a\\*b*'))).toBe('a*b');
    expect(literalPrefix(compileGlob('*'))).toBe('');
  });
});

describe('L1 LRU cache', () => {
  it('when it is full, then the least recently used key is evicted first', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
  });
});

describe('key rule (HTTP and RESP2)', () => {
  it.each([
    ['', 'at least 1 byte'],
    [fromText('é'.repeat(5)), 'at most 8 bytes'],
  ])('when the key is %j, then it is refused: %s', (key, reason) => {
    expect(keyProblem(key, 8)).toContain(reason);
  });

  it('when a key has 1 to 8 bytes, whatever they are, then it is accepted (binary-safe, like Redis)', () => {
    expect(keyProblem(fromText('é'.repeat(4)), 8)).toBeUndefined();
    expect(keyProblem('../a b', 8)).toBeUndefined();
    expect(keyProblem('\xff\x00\x80', 8)).toBeUndefined();
  });
});

describe('byte strings', () => {
  it('when bytes that are not UTF-8 are shown, then the text is lossy and base64 holds the exact bytes', () => {
    const bytes = fromBytes(Uint8Array.of(0xff, 0xfe, 0x00, 0x80));
    expect(bytes.length).toBe(4);
    expect(displayOf(bytes)).toEqual({ text: '\ufffd\ufffd\u0000\ufffd', base64: '//4AgA==' });
    expect(fromBase64('//4AgA==')).toBe(bytes);
    expect(fromBase64('not base64!')).toBeUndefined();
  });

  it('when text is turned into bytes, then byte order is the order of the UTF-8 encodings', () => {
    expect(displayOf(fromText('héllo'))).toEqual({ text: 'héllo' });
    // In UTF-16 code units U+FFFF sorts after the surrogate pair of U+1F600; in bytes (EF.. < F0..) before it.
    expect('\uffff' > '\u{1f600}').toBe(true);
    expect(fromText('\uffff') < fromText('\u{1f600}')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { keyProblem } from './entry.ts';
import { globToRegExp, literalPrefix } from './glob.ts';
import { LruCache } from './lru-cache.ts';

describe('KEYS glob patterns', () => {
  it.each([
    ['user:*', 'user:42', true],
    ['user:*', 'users', false],
    ['h?llo', 'hello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['a\\*b', 'a*b', true],
    ['a.b', 'axb', false],
  ])('when %s is matched against %s, then the answer is %s', (pattern, key, expected) => {
    expect(globToRegExp(pattern).test(key)).toBe(expected);
  });

  it('when a pattern starts with literal characters, then they are the scan prefix', () => {
    expect(literalPrefix('user:1*')).toBe('user:1');
    expect(literalPrefix('*')).toBe('');
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
    ['é'.repeat(5), 'at most 8 bytes'],
    ['bad\u0001key', 'no control characters'],
  ])('when the key is %j, then it is refused: %s', (key, reason) => {
    expect(keyProblem(key, 8)).toContain(reason);
  });

  it('when a key has 8 UTF-8 bytes and no control characters, then it is accepted', () => {
    expect(keyProblem('é'.repeat(4), 8)).toBeUndefined();
    expect(keyProblem('../a b', 8)).toBeUndefined();
  });
});

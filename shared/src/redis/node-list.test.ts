import { describe, expect, it } from 'vitest';
import { parseRedisNodes } from './node-list.ts';

describe('parseRedisNodes', () => {
  it('reads the name=redis://host:port list the runner and compose pass', () => {
    expect(parseRedisNodes('lock-1=redis://127.0.0.1:7611, lock-2=redis://lock-2:6379')).toEqual([
      { name: 'lock-1', url: 'redis://127.0.0.1:7611', host: '127.0.0.1', port: 7611 },
      { name: 'lock-2', url: 'redis://lock-2:6379', host: 'lock-2', port: 6379 },
    ]);
  });

  it.each([
    ['', /not set/],
    ['redis://127.0.0.1:7611', /name=redis/],
    ['a=http://x:1', /redis:\/\//],
    ['a=redis://x:1,a=redis://y:2', /twice/],
    ['A B=redis://x:1', /name=redis/],
  ])('when given %j, then it fails with a message showing the expected form', (value, message) => {
    expect(() => parseRedisNodes(value)).toThrow(message);
  });
});

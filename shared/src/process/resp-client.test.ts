import { describe, expect, it } from 'vitest';
import { encodeCommand, parseReply, RedisReplyError } from './resp-client.ts';

const parse = (text: string) => parseReply(Buffer.from(text))?.value;

describe('RESP2 framing', () => {
  it('encodes a command as an array of bulk strings, counting bytes not characters', () => {
    expect(encodeCommand(['SET', 'k', 'é']).toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
  });

  it('parses each reply type', () => {
    expect(parse('+PONG\r\n')).toBe('PONG');
    expect(parse(':42\r\n')).toBe(42);
    expect(parse('$5\r\nhello\r\n')).toBe('hello');
    expect(parse('$-1\r\n')).toBeNull();
    expect(parse('*2\r\n$4\r\nsave\r\n$0\r\n\r\n')).toEqual(['save', '']);
    expect(parse('-ERR unknown command\r\n')).toEqual(new RedisReplyError('ERR unknown command'));
  });

  it('waits for the rest of a reply split across chunks', () => {
    expect(parseReply(Buffer.from('$5\r\nhel'))).toBeUndefined();
    expect(parseReply(Buffer.from('*2\r\n:1\r\n'))).toBeUndefined();
    expect(parseReply(Buffer.from('+OK'))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { parseCommand, resp } from './resp2.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('RESP2 parser', () => {
  it('when a multibulk command arrives whole, then its arguments and the next offset come back', () => {
    const frame = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\nhé!\r\n';
    expect(parseCommand(bytes(frame), 0)).toEqual({
      kind: 'command',
      args: ['SET', 'k', 'hé!'],
      next: bytes(frame).length,
    });
  });

  it('when a frame arrives in pieces, then every strict prefix is incomplete and never malformed', () => {
    const frame = bytes('*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n');
    for (let cut = 0; cut < frame.length; cut++)
      expect(parseCommand(frame.subarray(0, cut), 0).kind).toBe('incomplete');
    expect(parseCommand(frame, 0).kind).toBe('command');
  });

  it('when two commands are pipelined, then the second parses from the next offset of the first', () => {
    const frame = bytes('*1\r\n$4\r\nPING\r\n*1\r\n$6\r\nDBSIZE\r\n');
    const first = parseCommand(frame, 0);
    if (first.kind !== 'command') throw new Error('expected a command');
    expect(parseCommand(frame, first.next)).toMatchObject({ args: ['DBSIZE'] });
  });

  it('when an inline command is typed, then it is split on spaces', () => {
    expect(parseCommand(bytes('GET  user:1\r\n'), 0)).toMatchObject({
      kind: 'command',
      args: ['GET', 'user:1'],
    });
  });

  it.each([
    ['a negative count', '*-5\r\n'],
    ['a count that is not a number', '*x\r\n'],
    ['a bulk without $', '*1\r\n:12\r\n'],
    ['a bulk length over the limit', '*1\r\n$999999999\r\n'],
    ['a bulk not ending in CRLF', '*1\r\n$2\r\nabXY'],
    ['too many arguments', '*5000\r\n'],
  ])('when a frame has %s, then it is malformed (the server answers and hangs up)', (_what, frame) => {
    expect(parseCommand(bytes(frame), 0).kind).toBe('malformed');
  });

  it('when replies are encoded, then bulk lengths count UTF-8 bytes and null is $-1', () => {
    expect(resp.bulk('hé')).toBe('$3\r\nhé\r\n');
    expect(resp.bulk(null)).toBe('$-1\r\n');
    expect(resp.integer(3)).toBe(':3\r\n');
    expect(resp.error('ERR bad\r\nthing')).toBe('-ERR bad  thing\r\n');
    expect(resp.bulkArray(['a', 'b'])).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
  });
});

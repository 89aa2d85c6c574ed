import { describe, expect, it } from 'vitest';
import { arrayReply, integerReply, replyCodes } from './lua-reply.ts';

describe('Lua reply decoders', () => {
  it('maps a code to its name, whether Redis sent it as a number or a string', () => {
    const decode = replyCodes('release', { 1: 'released', 0: 'not-owner' });
    expect(decode(1)).toBe('released');
    expect(decode('0')).toBe('not-owner');
  });

  it('refuses a code the table does not list, naming the script', () => {
    const decode = replyCodes('release', { 1: 'released' });
    expect(() => decode(7)).toThrow(/release\.lua answered 7/);
    expect(() => decode(null)).toThrow(/not one of its codes/);
    // An inherited property is not a code.
    expect(() => decode('toString')).toThrow(/not one of its codes/);
  });

  it('checks integers and arrays', () => {
    expect(integerReply('count')(3)).toBe(3);
    expect(() => integerReply('count')('3')).toThrow(/not an integer/);
    expect(arrayReply('pair', (v) => String(v))([1, 'a'])).toEqual(['1', 'a']);
    expect(() => arrayReply('pair', String)(5)).toThrow(/not an array/);
  });
});

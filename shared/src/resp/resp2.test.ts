import { describe, expect, it } from 'vitest';
import { resp } from './resp2.ts';

describe('RESP2 replies', () => {
  it('when replies are encoded, then bulk lengths count UTF-8 bytes and null is $-1', () => {
    expect(resp.bulk('hé')).toBe('$3\r\nhé\r\n');
    expect(resp.bulk(null)).toBe('$-1\r\n');
    expect(resp.integer(3)).toBe(':3\r\n');
    expect(resp.error('ERR bad\r\nthing')).toBe('-ERR bad  thing\r\n');
    expect(resp.bulkArray(['a', 'b'])).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
  });
});

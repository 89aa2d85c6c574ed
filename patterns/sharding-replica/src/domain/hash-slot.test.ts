import { describe, expect, it } from 'vitest';
import { crc16, hashSlot, hashTagOf, slotCount } from './hash-slot.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('hash slot (Redis Cluster: CRC16-XMODEM mod 16384, hash tags)', () => {
  it('CRC16 matches the published XMODEM check value and the Redis Cluster specification', () => {
    // The CRC catalogue's check value for CRC-16/XMODEM, also the one in the Redis Cluster spec's crc16.c.
    expect(crc16(bytes('123456789'))).toBe(0x31c3);
    expect(crc16(bytes(''))).toBe(0);
    expect(crc16(bytes('A'))).toBe(0x58e5);
  });

  it('a key without a tag hashes whole; known slots from the Redis documentation', () => {
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('bar')).toBe(5061);
    expect(hashSlot('hello')).toBe(866);
  });

  it('keys that share a hash tag share a slot, whatever surrounds the tag', () => {
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('{user1000}.followers'));
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'));
  });

  it('only the first {...} with at least one byte inside counts, as in the specification', () => {
    expect(text(hashTagOf(bytes('foo{}{bar}')))).toBe('foo{}{bar}');
    expect(text(hashTagOf(bytes('foo{{bar}}zap')))).toBe('{bar');
    expect(text(hashTagOf(bytes('foo{bar}{zap}')))).toBe('bar');
    expect(text(hashTagOf(bytes('{bar')))).toBe('{bar');
    expect(hashSlot('foo{}{bar}')).not.toBe(hashSlot('bar'));
  });

  it('every slot lies in [0, 16384)', () => {
    for (let i = 0; i < 2000; i++) {
      const slot = hashSlot(`key-${i}`);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(slotCount);
    }
  });
});

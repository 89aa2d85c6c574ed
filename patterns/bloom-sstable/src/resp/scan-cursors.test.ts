import { describe, expect, it } from 'vitest';
import { parseScanCursor, ScanCursors } from './scan-cursors.ts';

describe('SCAN cursors', () => {
  it.each([
    ['0', 0n],
    ['', 0n],
    ['000', 0n],
    ['+0', 0n],
    ['-0', 0n],
    ['007', 7n],
    ['-1', 18446744073709551615n],
    ['18446744073709551615', 18446744073709551615n],
    ['-18446744073709551615', 1n],
    ['00000000000000000000000042', 42n],
  ])('when the cursor is %j, then it reads as Redis 7.0 reads it: %s', (text, cursor) => {
    expect(parseScanCursor(text)).toBe(cursor);
  });

  it.each([' 1', '1 ', '+', '-', '0x1', '1.5', '18446744073709551616', '-18446744073709551616', '1e3'])(
    'when the cursor is %j, then it is refused as Redis refuses it',
    (text) => {
      expect(parseScanCursor(text)).toBeUndefined();
    },
  );

  it('when a cursor was handed out, forgotten, or never handed out, then resume tells the three apart', () => {
    const cursors = new ScanCursors(2, 100n);
    const first = BigInt(cursors.save('a'));
    const second = BigInt(cursors.save('b'));
    const third = BigInt(cursors.save('c'));
    expect([first, second, third]).toEqual([100n, 101n, 102n]);
    expect(cursors.resume(0n)).toEqual({ at: '' });
    expect(cursors.resume(third)).toEqual({ at: 'c' });
    // Capacity 2: the oldest was forgotten. A number below the first (a cursor of an earlier process) too.
    expect(cursors.resume(first)).toBe('expired');
    expect(cursors.resume(7n)).toBe('expired');
    expect(cursors.resume(103n)).toBe('never-issued');
    expect(cursors.resume(18446744073709551615n)).toBe('never-issued');
  });
});

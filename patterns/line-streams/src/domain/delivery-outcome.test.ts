import { describe, expect, it } from 'vitest';
import { deliveryOutcomes, parseDeliveryOutcome, stepAfter } from './delivery-outcome.ts';
import { orderByRoom, recipientsOf } from './room-order.ts';
import { isTextTooLarge, retryAfterSeconds, textSizeBytes } from './send-rules.ts';

describe('worker steps', () => {
  it('when the effect is in place (applied, duplicate, gone), then the entry is acked and the room goes on', () => {
    for (const outcome of ['APPLIED', 'DUPLICATE', 'GONE'] as const) {
      expect(stepAfter(outcome)).toEqual({ ack: true, release: true, continueRoom: true });
    }
  });

  it('when an older entry is missing (NOT_YET), then the entry stays held and the room stops, keeping order', () => {
    expect(stepAfter('NOT_YET')).toEqual({ ack: false, release: false, continueRoom: false });
  });

  it('when the handler fails, then the entry is released unacked so a claim redelivers it', () => {
    expect(stepAfter('FAILED')).toEqual({ ack: false, release: true, continueRoom: false });
  });

  it('when the script dead-lettered it, then the worker does not ack again and goes on', () => {
    expect(stepAfter('DEAD_LETTERED')).toEqual({ ack: false, release: true, continueRoom: true });
  });

  it('when the script answers an unknown code, then parsing throws', () => {
    for (const outcome of deliveryOutcomes) expect(parseDeliveryOutcome(outcome)).toBe(outcome);
    expect(() => parseDeliveryOutcome('MAYBE')).toThrow('unknown delivery outcome');
  });
});

describe('room order', () => {
  it('when entries of several rooms arrive mixed, then each room lists its own oldest first', () => {
    const entry = (room: string, id: string) => ({ room, id, senderId: 's', text: id });
    const rooms = orderByRoom([entry('a', '10-0'), entry('b', '3-0'), entry('a', '9-1'), entry('a', '9-0')]);
    expect(rooms.get('a')?.map((e) => e.id)).toEqual(['9-0', '9-1', '10-0']);
    expect(rooms.get('b')?.map((e) => e.id)).toEqual(['3-0']);
  });

  it('when the sender is a member, then everyone else receives the message, once each', () => {
    expect(recipientsOf(['bob', 'alice', 'carol', 'bob'], 'alice')).toEqual(['bob', 'carol']);
  });
});

describe('send rules', () => {
  it('when a text has multi-byte characters, then its size is counted in UTF-8 bytes', () => {
    expect(textSizeBytes('abc')).toBe(3);
    expect(textSizeBytes('é')).toBe(2);
    expect(textSizeBytes('😀')).toBe(4);
    expect(isTextTooLarge('😀😀', 7)).toBe(true);
    expect(isTextTooLarge('😀😀', 8)).toBe(false);
  });

  it('when the rate window has some milliseconds left, then Retry-After rounds up and is at least 1 s', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
  });
});

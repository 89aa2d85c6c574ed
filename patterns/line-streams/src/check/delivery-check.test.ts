import { describe, expect, it } from 'vitest';
import { checkDeliveries } from './delivery-check.ts';
import type { AcknowledgedSend, DeliveryFacts } from './delivery-check.ts';

const send = (operation: number, id: string, extra: Partial<AcknowledgedSend> = {}): AcknowledgedSend => ({
  operation,
  room: 'r',
  id,
  senderId: 'alice',
  duplicate: false,
  invokedAt: operation,
  ...extra,
});

const facts = (overrides: Partial<DeliveryFacts> = {}): DeliveryFacts => ({
  sends: [send(1, '1-0'), send(2, '2-0')],
  rooms: { r: { members: ['alice', 'bob'], appliedId: '2-0' } },
  inboxes: {
    bob: {
      entries: [
        { room: 'r', id: '1-0' },
        { room: 'r', id: '2-0' },
      ],
      isCapped: false,
    },
  },
  deadLetters: [],
  ...overrides,
});

describe('checkDeliveries', () => {
  it('when every send is in each recipient inbox once and in order, then the promise holds', () => {
    const verdict = checkDeliveries(facts());
    expect(verdict.valid).toBe(true);
    expect(verdict.details).toMatchObject({ sends: 2, delivered: 2 });
  });

  it('when a redelivery was applied twice, then the verdict names the duplicated message', () => {
    const inboxes = {
      bob: {
        entries: [
          { room: 'r', id: '1-0' },
          { room: 'r', id: '1-0' },
        ],
        isCapped: false,
      },
    };
    const verdict = checkDeliveries(facts({ inboxes }));
    expect(verdict).toMatchObject({
      valid: false,
      firstViolation: { rule: 'exactly-once', message: 'r/1-0' },
    });
  });

  it('when an inbox has a room out of stream order, then the verdict says room order broke', () => {
    const inboxes = {
      bob: {
        entries: [
          { room: 'r', id: '2-0' },
          { room: 'r', id: '1-0' },
        ],
        isCapped: false,
      },
    };
    expect(checkDeliveries(facts({ inboxes }))).toMatchObject({
      valid: false,
      firstViolation: { rule: 'room-order' },
    });
  });

  it('when the applied mark is past a send that no inbox holds and no dead letter explains, then it was lost', () => {
    const inboxes = { bob: { entries: [{ room: 'r', id: '2-0' }], isCapped: false } };
    expect(checkDeliveries(facts({ inboxes }))).toMatchObject({
      valid: false,
      firstViolation: { rule: 'no-loss', message: 'r/1-0', user: 'bob' },
    });
  });

  it('when dead-letter records were dropped by the cap, then that many missing messages are unverifiable and one more is lost', () => {
    const sends = [send(1, '1-0'), send(2, '2-0'), send(3, '3-0')];
    const rooms = { r: { members: ['alice', 'bob', 'carol'], appliedId: '3-0' } };
    const inboxes = {
      bob: { entries: [{ room: 'r', id: '3-0' }], isCapped: false },
      carol: { entries: [{ room: 'r', id: '3-0' }], isCapped: false },
    };
    // One dropped record covers one message, for all its recipients; the second missing one is lost.
    const one = checkDeliveries(facts({ sends, rooms, inboxes, droppedRecords: 1 }));
    expect(one).toMatchObject({ valid: false, firstViolation: { rule: 'no-loss', message: 'r/2-0' } });
    const two = checkDeliveries(facts({ sends, rooms, inboxes, droppedRecords: 2 }));
    expect(two).toMatchObject({ valid: true, details: { unverifiable: 2, delivered: 2 } });
    expect(two.summary).toContain('cannot be verified');
  });

  it('when a missing send is a dead letter, past the applied mark, or aged out of a capped inbox, then it is accounted for', () => {
    const deadLetter = checkDeliveries(
      facts({
        inboxes: { bob: { entries: [{ room: 'r', id: '2-0' }], isCapped: false } },
        deadLetters: [{ room: 'r', originalId: '1-0' }],
      }),
    );
    expect(deadLetter).toMatchObject({ valid: true, details: { deadLettered: 1, delivered: 1 } });

    const inFlight = checkDeliveries(
      facts({
        rooms: { r: { members: ['alice', 'bob'], appliedId: '1-0' } },
        inboxes: { bob: { entries: [{ room: 'r', id: '1-0' }], isCapped: false } },
      }),
    );
    expect(inFlight).toMatchObject({ valid: true, details: { inFlight: 1 } });

    const agedOut = checkDeliveries(
      facts({ inboxes: { bob: { entries: [{ room: 'r', id: '2-0' }], isCapped: true } } }),
    );
    expect(agedOut).toMatchObject({ valid: true, details: { agedOut: 1 } });
  });

  it('when a dead letter also reached an inbox, then dead letters are not accounted for', () => {
    expect(checkDeliveries(facts({ deadLetters: [{ room: 'r', originalId: '2-0' }] }))).toMatchObject({
      valid: false,
      firstViolation: { rule: 'dead-letter-accounting' },
    });
  });

  it('when one clientMsgId was answered with two ids, then dedup failed', () => {
    const sends = [send(1, '1-0', { clientMsgId: 'c' }), send(2, '2-0', { clientMsgId: 'c' })];
    expect(checkDeliveries(facts({ sends }))).toMatchObject({
      valid: false,
      firstViolation: { rule: 'dedup' },
    });
  });

  it('when the membership changed after a send, then that send is not judged against the new members', () => {
    const verdict = checkDeliveries(
      facts({
        rooms: { r: { members: ['alice', 'bob', 'carol'], appliedId: '2-0', membersChangedAt: 10 } },
      }),
    );
    expect(verdict).toMatchObject({ valid: true, details: { notJudged: 2 } });
  });
});

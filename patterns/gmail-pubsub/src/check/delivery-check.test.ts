import { describe, expect, it } from 'vitest';
import type { PubsubInput, PubsubOperation, PubsubOutput } from './delivery-check.ts';
import { checkDeliveries } from './delivery-check.ts';
import type { MailNote } from '../domain/notification.ts';

const mail = (historyId: number, extra: Partial<MailNote> = {}): MailNote => ({
  kind: 'mail',
  userId: 'alice',
  historyId,
  messageId: `m${historyId}`,
  at: 0,
  from: 'bob@example.com',
  subject: 'hello',
  labels: ['work'],
  ...extra,
});

function history(inputs: readonly (PubsubInput | [PubsubInput, PubsubOutput])[]): PubsubOperation[] {
  return inputs.map((entry, index) => {
    const [input, output] = Array.isArray(entry) ? entry : [entry, {}];
    return {
      id: index + 1,
      process: 'test',
      kind: input.kind,
      input,
      invokedAt: index,
      outcome: 'ok',
      output,
    };
  });
}

const sub = (topic = 'mailbox', filter = {}): PubsubInput => ({
  kind: 'subscribe',
  socketId: 's1',
  userId: 'alice',
  topic,
  filter,
});
const deliver = (historyId: number, topic = 'mailbox', extra: Partial<MailNote> = {}): PubsubInput => ({
  kind: 'deliver',
  socketIds: ['s1'],
  topic,
  note: mail(historyId, extra),
});

describe('delivery checker', () => {
  it('when deliveries are in order, in scope and once each, then the history is valid', () => {
    const verdict = checkDeliveries(history([sub(), deliver(1), deliver(2), deliver(3)]));
    expect(verdict).toMatchObject({ valid: true, details: { deliveries: 3, gaps: 0 } });
  });

  it('when one push is written to several sockets, then each socket is judged as a delivery of its own', () => {
    const onS2: PubsubInput = {
      kind: 'subscribe',
      socketId: 's2',
      userId: 'alice',
      topic: 'mailbox',
      filter: {},
    };
    const both: PubsubInput = { kind: 'deliver', socketIds: ['s1', 's2'], topic: 'mailbox', note: mail(1) };
    expect(checkDeliveries(history([sub(), onS2, both]))).toMatchObject({
      valid: true,
      details: { sockets: 2, deliveries: 2 },
    });
    // s2 never subscribed: the same push is out of scope for it alone.
    expect(checkDeliveries(history([sub(), both]))).toMatchObject({
      valid: false,
      firstViolation: { rule: 'scope' },
      summary: expect.stringContaining('Socket s2') as unknown,
    });
  });

  it('when a message reaches a socket that is not subscribed, then the scope rule fails', () => {
    const verdict = checkDeliveries(history([deliver(1)]));
    expect(verdict).toMatchObject({ valid: false, firstViolation: { rule: 'scope' } });
  });

  it("when a message fails the subscription's filter, then the scope rule fails", () => {
    const verdict = checkDeliveries(history([sub('mailbox', { from: 'carol@example.com' }), deliver(1)]));
    expect(verdict).toMatchObject({ valid: false, firstViolation: { rule: 'scope' } });
  });

  it("when another user's mail reaches a mailbox subscription, then the scope rule fails", () => {
    const verdict = checkDeliveries(history([sub(), deliver(1, 'mailbox', { userId: 'mallory' })]));
    expect(verdict).toMatchObject({ valid: false, firstViolation: { rule: 'scope' } });
  });

  it('when a socket unsubscribed, then later deliveries on that topic are out of scope', () => {
    const verdict = checkDeliveries(
      history([sub(), deliver(1), { kind: 'unsubscribe', socketId: 's1', topic: 'mailbox' }, deliver(2)]),
    );
    expect(verdict).toMatchObject({ valid: false, firstViolation: { rule: 'scope', operation: 4 } });
  });

  it('when the same message arrives twice on one topic, then the duplicate rule fails', () => {
    const verdict = checkDeliveries(history([sub(), deliver(1), deliver(1)]));
    expect(verdict).toMatchObject({ valid: false, firstViolation: { rule: 'no-duplicates' } });
  });

  it('when the same mail arrives on two topics, then that is one delivery per topic, not a duplicate', () => {
    const verdict = checkDeliveries(history([sub(), sub('work'), deliver(1), deliver(1, 'work')]));
    expect(verdict.valid).toBe(true);
  });

  it('when a later historyId arrives before an earlier one, then the order rule fails', () => {
    const verdict = checkDeliveries(history([sub(), deliver(2), deliver(1)]));
    expect(verdict).toMatchObject({ valid: false, firstViolation: { rule: 'per-publisher-order' } });
  });

  it('when a mailbox skips historyIds and the socket neither synced nor was told, then the gap rule fails', () => {
    const verdict = checkDeliveries(history([sub(), deliver(1), deliver(4)]));
    expect(verdict).toMatchObject({
      valid: false,
      firstViolation: { rule: 'gaps-synced-or-reported', gap: { from: 2, to: 3 } },
    });
  });

  it('when the socket synced over the gap, then the gap counts as synced', () => {
    const verdict = checkDeliveries(
      history([
        sub(),
        deliver(1),
        deliver(4),
        [{ kind: 'sync', socketId: 's1', userId: 'alice', sinceHistoryId: 1 }, { historyId: 4 }],
      ]),
    );
    expect(verdict).toMatchObject({ valid: true, details: { gaps: 1, gapsSynced: 1 } });
  });

  it('when a sync does not reach the end of the gap, then the gap is still open', () => {
    const verdict = checkDeliveries(
      history([
        sub(),
        deliver(1),
        deliver(5),
        [{ kind: 'sync', socketId: 's1', userId: 'alice', sinceHistoryId: 1 }, { historyId: 3 }],
      ]),
    );
    expect(verdict.valid).toBe(false);
  });

  it('when drops were reported to the socket between the two deliveries, then the gap counts as reported', () => {
    const verdict = checkDeliveries(
      history([
        sub(),
        deliver(1),
        { kind: 'report', socketId: 's1', reason: 'dropped', count: 2 },
        deliver(4),
      ]),
    );
    expect(verdict).toMatchObject({ valid: true, details: { gaps: 1, gapsReported: 1 } });
  });

  it('when the mailbox subscription has a filter, then skipped historyIds are filtered mail, not gaps', () => {
    const verdict = checkDeliveries(history([sub('mailbox', { labels: ['work'] }), deliver(1), deliver(7)]));
    expect(verdict).toMatchObject({ valid: true, details: { gaps: 0 } });
  });
});

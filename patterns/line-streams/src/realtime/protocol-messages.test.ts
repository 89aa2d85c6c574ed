import { describe, expect, it } from 'vitest';
import { claimEvents, claimMessages, sendMessages, settledMessages } from './protocol-messages.ts';

describe('protocol messages for the trace', () => {
  it('when a send evicts an undelivered entry, then the trace shows the XADD and the dead letter it caused', () => {
    expect(sendMessages('streams-api', 'cap', { kind: 'added', id: '5-0', evictedUndelivered: 1 })).toEqual([
      expect.objectContaining({ from: 'streams-api', to: 'stream:cap', kind: 'send' }),
      expect.objectContaining({ from: 'stream:cap', to: 'dead-letters', kind: 'dead-letter' }),
    ]);
  });

  it('when a worker claims entries of two owners, then each owner gets its own claim, naming whose they were', () => {
    const claims = claimEvents('worker-2', [
      { room: 'crash', id: '1-0', previousOwner: 'worker-1', idleMs: 3_100, deliveries: 2 },
      { room: 'crash', id: '2-0', previousOwner: 'worker-1', idleMs: 3_050, deliveries: 2 },
      { room: 'crash', id: '3-0', previousOwner: 'me', idleMs: 9_000, deliveries: 1 },
    ]);
    expect(claimMessages(claims)).toEqual([
      {
        from: 'stream:crash',
        to: 'worker-2',
        kind: 'claim',
        detail: {
          room: 'crash',
          command: 'XAUTOCLAIM',
          previousOwner: 'worker-1',
          ids: ['1-0', '2-0'],
          count: 2,
          idleMs: 3_050,
          deliveries: 2,
        },
      },
      expect.objectContaining({ detail: expect.objectContaining({ previousOwner: 'me', ids: ['3-0'] }) }),
    ]);
  });

  it('when a run applies, skips a duplicate and dead-letters, then one message per kind and the ack follow', () => {
    const messages = settledMessages(
      'worker-1',
      'r',
      [
        { id: '1-0', outcome: 'DUPLICATE', deliveries: 2 },
        { id: '2-0', outcome: 'APPLIED', deliveries: 2 },
        { id: '3-0', outcome: 'DEAD_LETTERED', deliveries: 6 },
      ],
      ['1-0', '2-0'],
    );
    expect(messages.map((m) => [m.kind, m.to])).toEqual([
      ['apply', 'inboxes'],
      ['duplicate', 'inboxes'],
      ['dead-letter', 'dead-letters'],
      ['ack', 'stream:r'],
    ]);
  });

  it('when a batch is large, then a message lists 20 ids and counts them all', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `${i + 1}-0`);
    const [ack] = settledMessages('worker-1', 'r', [], ids);
    expect(ack?.detail).toMatchObject({ count: 50 });
    expect((ack?.detail as { ids: string[] }).ids).toHaveLength(20);
  });
});

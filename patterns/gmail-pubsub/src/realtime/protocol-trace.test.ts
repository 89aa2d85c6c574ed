import type { ProtocolMessage } from '@kvs-lab/shared/history';
import { describe, expect, it } from 'vitest';
import { TraceBatch, clientNode } from './protocol-trace.ts';

const message = (kind: string): ProtocolMessage => ({ from: 'pubsub-a', to: 'ann/abcdef', kind });

describe('trace batches', () => {
  it('when a step adds messages, then the step is recorded with one call', () => {
    const calls: (readonly ProtocolMessage[])[] = [];
    const batch = new TraceBatch((messages) => calls.push(messages));
    batch.step([message('notification')], () => {
      batch.add(message('push'));
      batch.add(message('queue'));
    });
    expect(calls.map((c) => c.map((m) => m.kind))).toEqual([['notification', 'push', 'queue']]);
  });

  it('when a step runs inside another, then both end up in the outer call', () => {
    const calls: (readonly ProtocolMessage[])[] = [];
    const batch = new TraceBatch((messages) => calls.push(messages));
    batch.step([message('ack')], () => batch.step([message('push')], () => batch.add(message('push'))));
    batch.add(message('history:gap'));
    expect(calls.map((c) => c.map((m) => m.kind))).toEqual([['ack', 'push', 'push'], ['history:gap']]);
  });

  it('names a client by its user and the start of its socket id', () => {
    expect(clientNode('ann', 'abcdefghijkl')).toBe('ann/abcdef');
  });
});

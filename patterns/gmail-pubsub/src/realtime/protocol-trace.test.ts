import type { ProtocolMessage } from '@kvs-lab/shared/history';
import { describe, expect, it } from 'vitest';
import { TraceBatch, clientNode } from './protocol-trace.ts';

const message = (kind: string): ProtocolMessage => ({ from: 'pubsub-a', to: 'ann/abcdef', kind });

describe('trace batches', () => {
  it('when a step adds messages, then the step is recorded with one call', () => {
    const calls: (readonly ProtocolMessage[])[] = [];
    const batch = new TraceBatch((messages) => calls.push(messages) > 0);
    batch.step([message('notification')], () => {
      batch.add(message('push'));
      batch.add(message('queue'));
    });
    expect(calls.map((c) => c.map((m) => m.kind))).toEqual([['notification', 'push', 'queue']]);
  });

  it('when a step runs inside another, then both end up in the outer call', () => {
    const calls: (readonly ProtocolMessage[])[] = [];
    const batch = new TraceBatch((messages) => calls.push(messages) > 0);
    batch.step([message('ack')], () => batch.step([message('push')], () => batch.add(message('push'))));
    batch.add(message('history:gap'));
    expect(calls.map((c) => c.map((m) => m.kind))).toEqual([['ack', 'push', 'push'], ['history:gap']]);
  });

  it('when the trace refuses a step, then the steps of the next 100 ms are not gathered, and those after are', () => {
    const offered: string[][] = [];
    let nowMs = 0;
    let isFull = true;
    const batch = new TraceBatch(
      (messages) => {
        offered.push(messages.map((m) => m.kind));
        return !isFull;
      },
      () => nowMs,
    );
    batch.step([message('notification')], () => batch.add(message('push')));
    nowMs = 99;
    expect(batch.isGathering).toBe(false);
    batch.step([message('ack')], () => batch.add(message('push')));
    batch.add(message('history:gap'));
    nowMs = 100;
    isFull = false;
    batch.step([message('notification')], () => batch.add(message('push')));
    expect(offered).toEqual([
      ['notification', 'push'],
      ['notification', 'push'],
    ]);
  });

  it('names a client by its user and the start of its socket id', () => {
    expect(clientNode('ann', 'abcdefghijkl')).toBe('ann/abcdef');
  });
});

import { describe, expect, it } from 'vitest';
import { settled, startFanOut, withAnswer } from './fan-out.ts';

const replicas = ['replica-1', 'replica-2', 'replica-3'];
const request = {
  requestId: 'r1',
  kind: 'write',
  key: 'cart',
  coordinator: 'quorum-a',
  needed: 2,
  replicas,
  asked: replicas,
  atMs: 0,
} as const;
const write = startFanOut(request);

describe('a fan-out as the live view draws it', () => {
  it('when the W-th acknowledgement arrives, then the threshold is reached and each ack keeps its order', () => {
    const one = withAnswer(write, 'replica-2', 'ack');
    expect(one.outcome).toBe('waiting');
    const failed = withAnswer(one, 'replica-3', 'unreachable');
    const two = withAnswer(failed, 'replica-1', 'ack');
    expect(two.outcome).toBe('reached');
    expect(two.sends).toEqual([
      { node: 'replica-1', status: 'ack', order: 2 },
      { node: 'replica-2', status: 'ack', order: 1 },
      { node: 'replica-3', status: 'unreachable' },
    ]);
    expect(write.acks).toBe(0);
  });

  it('when a read asks R replicas, then the others are drawn not asked until a retry asks them', () => {
    const read = startFanOut({ ...request, kind: 'read', asked: ['replica-1', 'replica-3'] });
    expect(read.sends.map((send) => send.status)).toEqual(['sent', 'not-asked', 'sent']);
  });

  it('when the request settles short of the threshold, then it failed, with the hints it left', () => {
    const short = settled(withAnswer(write, 'replica-1', 'ack'), {
      isOk: false,
      hinted: [{ target: 'replica-2', heldBy: 'replica-1' }],
    });
    expect(short.outcome).toBe('failed');
    expect(short.hinted).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { readWhenServed } from './read-when-served.ts';

/** A read that answers each call with the next of `answers` (an Error is thrown). */
function readAnswering(answers: readonly (string | Error)[]) {
  const calls = { count: 0 };
  const read = () => {
    const answer = answers[Math.min(calls.count, answers.length - 1)];
    calls.count += 1;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? null);
  };
  return { read, calls };
}

const unavailable = () => new AppError('REDIS_UNAVAILABLE', 'shard-1 has no master yet');
const timedOut = () => new AppError('REDIS_TIMEOUT', 'no answer in time');

describe('readWhenServed: /check waits out a failover, not a wrong read', () => {
  it('asks again while the shard refuses for now (503, 504, CLUSTERDOWN) and returns what it then serves', async () => {
    const { read, calls } = readAnswering([
      unavailable(),
      timedOut(),
      new Error('CLUSTERDOWN The cluster is down'),
      'v1',
    ]);
    await expect(readWhenServed(read, performance.now() + 5_000)).resolves.toBe('v1');
    expect(calls.count).toBe(4);
  });

  it('throws any other error at once: it is about the read, and asking again would not change it', async () => {
    const { read, calls } = readAnswering([new AppError('KEY_NOT_FOUND', 'no such key'), 'v1']);
    await expect(readWhenServed(read, performance.now() + 5_000)).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
    });
    expect(calls.count).toBe(1);
  });

  it('past its deadline it throws the last refusal, for /check to answer instead of a verdict', async () => {
    const { read, calls } = readAnswering([unavailable()]);
    await expect(readWhenServed(read, performance.now() + 500)).rejects.toMatchObject({
      code: 'REDIS_UNAVAILABLE',
    });
    expect(calls.count).toBeGreaterThanOrEqual(2);
  });
});

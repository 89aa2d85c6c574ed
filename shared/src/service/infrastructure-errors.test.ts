import { describe, expect, it } from 'vitest';
import { classifyInfrastructureError } from './infrastructure-errors.ts';

/** An error reply as ioredis rejects with it. */
const reply = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('classifyInfrastructureError', () => {
  it('when Redis refuses a command for now (cluster down, loading, replica cut off), then it is 503: nothing was applied', () => {
    for (const message of [
      'CLUSTERDOWN The cluster is down',
      'CLUSTERDOWN Hash slot not served',
      'LOADING Redis is loading the dataset in memory',
      "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    ]) {
      const known = classifyInfrastructureError(reply(message));
      expect(known?.code, message).toBe('REDIS_UNAVAILABLE');
      expect(known?.status, message).toBe(503);
      expect(known?.outcome, message).toBe('not_applied');
    }
  });

  it('when the connection closed with the command in flight, then it is 504: it may have been applied', () => {
    const known = classifyInfrastructureError(new Error('Command aborted due to connection close'));
    expect(known?.code).toBe('REDIS_TIMEOUT');
    expect(known?.status).toBe(504);
  });

  it('when the reply is about the data (wrong type, a script’s own error), then it is left to the caller', () => {
    expect(
      classifyInfrastructureError(reply('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBeUndefined();
    expect(classifyInfrastructureError(reply('ERR my script refused'))).toBeUndefined();
  });
});

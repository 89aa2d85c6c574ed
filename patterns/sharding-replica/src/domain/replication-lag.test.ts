import { describe, expect, it } from 'vitest';
import { parseRole, replicationLag } from './replication-lag.ts';

describe('replication lag', () => {
  it('is the bytes of stream the replica has not applied, never negative, unknown when a side is missing', () => {
    expect(replicationLag(1500, 1200).bytes).toBe(300);
    expect(replicationLag(1200, 1500).bytes).toBe(0);
    expect(replicationLag(undefined, 1500).bytes).toBeUndefined();
  });

  it('reads ROLE replies of a master and of a replica', () => {
    expect(parseRole(['master', 3129, [['127.0.0.1', '7512', '3129']]])).toEqual({
      role: 'master',
      offset: 3129,
    });
    expect(parseRole(['slave', '127.0.0.1', 7511, 'connected', 3100])).toEqual({
      role: 'replica',
      following: '127.0.0.1:7511',
      state: 'connected',
      offset: 3100,
    });
    expect(parseRole(['sentinel', ['mymaster']])).toEqual({ role: 'other' });
    expect(parseRole('nonsense')).toEqual({ role: 'other' });
  });
});

import { describe, expect, it } from 'vitest';
import { neutralTitle, titleFor } from './lock-title.js';

describe('the live view title', () => {
  it('names Redlock only when Redlock runs', () => {
    expect(titleFor({ engine: 'redlock', nodeCount: 5, quorum: 3 })).toMatch(
      /on Redlock: 5 nodes vote, 3 grant/,
    );
    const etcd = titleFor({ engine: 'etcd', nodeCount: 3, quorum: 2 });
    expect(etcd).toMatch(/on etcd: 3 members/);
    expect(etcd).not.toMatch(/redlock/i);
    expect(neutralTitle).not.toMatch(/redlock/i);
  });
});

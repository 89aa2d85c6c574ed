import { describe, expect, it } from 'vitest';
import { summariseConsumers } from './consumer-summary.ts';

describe('consumer summary', () => {
  it('when a consumer appears on several rooms, then its pending entries add up and its idle time is the smallest', () => {
    const rooms = [
      {
        consumers: [
          { name: 'worker-2', pending: 1, idleMs: 900 },
          { name: 'worker-1', pending: 3, idleMs: 40 },
        ],
      },
      { consumers: [{ name: 'worker-2', pending: 4, idleMs: 15 }] },
      { consumers: [] },
    ];
    expect(summariseConsumers(rooms)).toEqual([
      { name: 'worker-1', pending: 3, idleMs: 40 },
      { name: 'worker-2', pending: 5, idleMs: 15 },
    ]);
  });
});

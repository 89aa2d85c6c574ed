import { describe, expect, it } from 'vitest';
import { claimLabel, compareIds, pelColumns, recentClaims } from './pel-model.js';

const state = {
  claimMinIdleMs: 3_000,
  consumers: [
    { name: 'worker-2', pending: 0, idleMs: 100 },
    { name: 'worker-1', pending: 3, idleMs: 2_500 },
  ],
  pending: [
    { room: 'crash', id: '10-0', consumer: 'worker-1', idleMs: 2_500, deliveries: 1 },
    { room: 'crash', id: '9-0', consumer: 'worker-1', idleMs: 2_600, deliveries: 1 },
    { room: 'crash', id: '11-0', consumer: 'worker-1', idleMs: 2_400, deliveries: 1 },
    { room: 'lobby', id: '5-0', consumer: 'me', idleMs: 10, deliveries: 1 },
  ],
};

describe('the PEL picture model', () => {
  it('when a consumer holds entries and stays silent past the claim idle time, then its entries turn claimable', () => {
    const before = pelColumns(state, 0, 10).find((c) => c.consumer === 'worker-1');
    expect(before?.status).toBe('active');
    expect(before?.entries.some((e) => e.isClaimable)).toBe(false);
    const after = pelColumns(state, 700, 10).find((c) => c.consumer === 'worker-1');
    expect(after?.status).toBe('silent');
    expect(after?.entries.map((e) => [e.id, e.isClaimable])).toEqual([
      ['9-0', true],
      ['10-0', true],
      ['11-0', true],
    ]);
  });

  it('when an owner is only in the PEL, then it still gets a column; a consumer holding nothing is quiet once idle', () => {
    const columns = pelColumns(state, 5_000, 10);
    expect(columns.map((c) => [c.consumer, c.status])).toEqual([
      ['me', 'silent'],
      ['worker-1', 'silent'],
      ['worker-2', 'quiet'],
    ]);
  });

  it('when a consumer holds more than a column shows, then the column says how many are left out', () => {
    const column = pelColumns(state, 0, 2).find((c) => c.consumer === 'worker-1');
    expect(column?.entries.map((e) => e.id)).toEqual(['9-0', '10-0']);
    expect(column?.hidden).toBe(1);
  });

  it('orders ids as numbers and names claims newest first', () => {
    expect(['10-0', '9-1', '9-0'].sort(compareIds)).toEqual(['9-0', '9-1', '10-0']);
    const claims = [
      { consumer: 'worker-2', from: 'worker-1', room: 'crash', ids: ['9-0', '10-0'], deliveries: 2 },
      { consumer: 'worker-1', from: 'worker-2', room: 'pills', ids: ['3-0'], deliveries: 3 },
      { consumer: 'worker-1', from: 'worker-1', room: 'pills', ids: ['3-0'], deliveries: 4 },
    ];
    expect(recentClaims(claims, 5).map(claimLabel)).toEqual([
      'worker-1 retried pills/3-0 (claimed back), delivery 4',
      'worker-1 claimed pills/3-0 from worker-2, delivery 3',
      'worker-2 claimed 2 of crash from worker-1, delivery 2',
    ]);
  });
});

describe('the claims the picture keeps', () => {
  it('when a poison entry is retried again and again, then only its newest retry is shown and the claim from a dead worker stays', () => {
    const crash = { consumer: 'worker-2', from: 'worker-1', room: 'crash', ids: ['1-0'], deliveries: 2 };
    const retry = (deliveries: number) => ({
      consumer: 'worker-2',
      from: 'worker-2',
      room: 'pills',
      ids: ['2-0'],
      deliveries,
    });
    const shown = recentClaims([crash, retry(2), retry(3), retry(4)], 3);
    expect(shown).toEqual([retry(4), crash]);
  });
});

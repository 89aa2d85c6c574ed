import { describe, expect, it } from 'vitest';
import {
  parseClusterSlots,
  parseRedirection,
  planScaleOut,
  rangeOfSlot,
  slotsPerMaster,
  uncoveredSlots,
} from './slot-map.ts';

const reply = [
  [5461, 10922, ['127.0.0.1', 7002, 'id-2'], ['127.0.0.1', 7005, 'id-5']],
  [0, 5460, ['127.0.0.1', 7001, 'id-1'], ['127.0.0.1', 7004, 'id-4']],
  [10923, 16383, ['127.0.0.1', 7003, 'id-3'], ['127.0.0.1', 7006, 'id-6']],
];

describe('slot map', () => {
  it('reads CLUSTER SLOTS into ranges sorted by slot, each with its master and replicas', () => {
    const ranges = parseClusterSlots(reply);
    expect(ranges.map((r) => r.start)).toEqual([0, 5461, 10923]);
    expect(ranges[0]).toEqual({
      start: 0,
      end: 5460,
      master: '127.0.0.1:7001',
      replicas: ['127.0.0.1:7004'],
    });
    expect(uncoveredSlots(ranges)).toBe(0);
    expect(rangeOfSlot(ranges, 12182)?.master).toBe('127.0.0.1:7003');
    expect(rangeOfSlot(ranges, 5461)?.master).toBe('127.0.0.1:7002');
    expect(rangeOfSlot(ranges.slice(1), 3)).toBeUndefined();
  });

  it('reads MOVED and ASK redirections', () => {
    expect(parseRedirection('MOVED 3999 127.0.0.1:6381')).toEqual({
      kind: 'moved',
      slot: 3999,
      address: '127.0.0.1:6381',
    });
    expect(parseRedirection('ASK 12 127.0.0.1:7')).toMatchObject({ kind: 'ask', slot: 12 });
    expect(parseRedirection('ERR wrong number of arguments')).toBeUndefined();
  });

  it('scaling out onto an empty master moves a quarter of the slots, evenly from the three masters', () => {
    const ranges = parseClusterSlots(reply);
    const moves = planScaleOut(ranges, '127.0.0.1:7007');
    expect(moves).toHaveLength(4096);
    const byMaster = slotsPerMaster(ranges);
    for (const master of Object.keys(byMaster)) {
      const given = moves.filter((m) => m.from === master);
      expect(given.length).toBeGreaterThanOrEqual(1365);
      expect(given.every((m) => rangeOfSlot(ranges, m.slot)?.master === master)).toBe(true);
    }
    expect(new Set(moves.map((m) => m.slot)).size).toBe(4096);
  });
});

import { describe, expect, it } from 'vitest';
import { seededRandom } from '@kvs-lab/shared/testing';
import { compareEntries } from './entry.ts';
import { Memtable } from './memtable.ts';

describe('memtable', () => {
  it('when versions arrive in any order, then entries stay sorted by key ascending and seq descending', () => {
    const random = seededRandom(7);
    const memtable = new Memtable();
    for (let seq = 1; seq <= 500; seq++) {
      memtable.add({ key: `k${Math.floor(random() * 50)}`, seq, kind: 'put', value: String(seq) });
    }
    const entries = memtable.entries();
    for (let i = 1; i < entries.length; i++) {
      expect(compareEntries(entries[i - 1]!, entries[i]!)).toBeLessThan(0);
    }
  });

  it('when a key was written three times, then a read at each asOf sees the newest version at or below it', () => {
    const memtable = new Memtable();
    memtable.add({ key: 'a', seq: 1, kind: 'put', value: 'v1' });
    memtable.add({ key: 'a', seq: 5, kind: 'put', value: 'v2' });
    memtable.add({ key: 'a', seq: 9, kind: 'delete', value: '' });
    expect(memtable.get('a')?.kind).toBe('delete');
    expect(memtable.get('a', 8)?.value).toBe('v2');
    expect(memtable.get('a', 4)?.value).toBe('v1');
    expect(memtable.get('a', 0)).toBeUndefined();
    expect(memtable.get('b')).toBeUndefined();
  });

  it('when a range is asked for, then it holds every version of keys in [start, end) only', () => {
    const memtable = new Memtable();
    for (const [i, key] of ['a', 'b', 'b', 'c', 'd'].entries())
      memtable.add({ key, seq: i + 1, kind: 'put', value: '' });
    expect(memtable.range('b', 'd').map((e) => `${e.key}${e.seq}`)).toEqual(['b3', 'b2', 'c4']);
  });
});

import { describe, expect, it } from 'vitest';
import { groupByValue, readOncePerValue } from './read-once-per-value.ts';
import { RoundReplicas } from './round-replicas.ts';

const replicas = ['replica-1', 'replica-2', 'replica-3'].map((name) => ({ name }));

describe('reading once per distinct node value', () => {
  it('groups replicas by equal value and leaves out a replica whose value is not known', () => {
    const values: Record<string, string | null | undefined> = {
      'replica-1': 'a1:3',
      'replica-2': null,
      'replica-3': 'a1:3',
      'replica-4': undefined,
    };
    expect(groupByValue(Object.keys(values), (name) => values[name])).toEqual([
      ['replica-1', 'replica-3'],
      ['replica-2'],
    ]);
  });

  it('asks one replica per group and gives its answer to every member', async () => {
    const round = new RoundReplicas(replicas);
    const asked: [string, number[]][] = [];
    const answers = await readOncePerValue(
      round,
      [
        { item: 10, groups: [['replica-1', 'replica-2'], ['replica-3']] },
        { item: 11, groups: [['replica-2'], ['replica-1', 'replica-3']] },
      ],
      (replica, items) => {
        asked.push([replica.name, [...items]]);
        return Promise.resolve(items.map((item) => `${replica.name}:${item}`));
      },
    );
    expect(asked.sort()).toEqual([
      ['replica-1', [10, 11]],
      ['replica-2', [11]],
      ['replica-3', [10]],
    ]);
    expect(Object.fromEntries([...answers].map(([name, held]) => [name, Object.fromEntries(held)]))).toEqual({
      'replica-1': { 10: 'replica-1:10', 11: 'replica-1:11' },
      'replica-2': { 10: 'replica-1:10', 11: 'replica-2:11' },
      'replica-3': { 10: 'replica-3:10', 11: 'replica-1:11' },
    });
  });

  it('when the replica asked for a group fails, asks the next member and leaves the failed one out of the round', async () => {
    const round = new RoundReplicas(replicas);
    const answers = await readOncePerValue(
      round,
      [{ item: 7, groups: [['replica-1', 'replica-2', 'replica-3']] }],
      (replica, items) =>
        replica.name === 'replica-1'
          ? Promise.reject(new Error('timed out'))
          : Promise.resolve(items.map(() => `from ${replica.name}`)),
    );
    expect(round.skippedNames()).toEqual(['replica-1']);
    expect(answers.get('replica-2')?.get(7)).toBe('from replica-2');
    expect(answers.get('replica-3')?.get(7)).toBe('from replica-2');
  });
});

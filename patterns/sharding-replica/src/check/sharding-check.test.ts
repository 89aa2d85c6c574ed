import type { Operation } from '@kvs-lab/shared/history';
import { describe, expect, it } from 'vitest';
import { checkSharding, expectedValues } from './sharding-check.ts';
import type { KvInput, KvOutput } from './sharding-check.ts';

let id = 0;
function write(
  key: string,
  value: string,
  durability: 'async' | 'replica',
  isReplicated: boolean,
): Operation<KvInput, KvOutput> {
  id += 1;
  return {
    id,
    process: 'p',
    kind: 'write',
    input: { key, value, durability },
    invokedAt: id,
    completedAt: id,
    outcome: 'ok',
    output: { shard: 's', isReplicated },
  };
}

describe('sharding checker', () => {
  it('when a replica-acknowledged write is missing, then the verdict is invalid and names it', () => {
    const expected = expectedValues([write('a', '1', 'replica', true)]);
    const verdict = checkSharding(expected, new Map([['a', null]]), []);
    expect(verdict.valid).toBe(false);
    expect(verdict.firstViolation).toMatchObject({ key: 'a', value: '1' });
  });

  it('when only async writes are missing, then the verdict holds and counts them as lost', () => {
    const expected = expectedValues([write('a', '1', 'async', false), write('b', '2', 'replica', true)]);
    const verdict = checkSharding(
      expected,
      new Map([
        ['a', null],
        ['b', '2'],
      ]),
      [],
    );
    expect(verdict.valid).toBe(true);
    expect(verdict.details).toMatchObject({ asyncWritesLost: 1, lostAsyncKeys: ['a'], replicaWritesLost: 0 });
  });

  it('only the last write of a key counts, and a key deleted last is not expected', () => {
    const del: Operation<KvInput, KvOutput> = {
      id: 99,
      process: 'p',
      kind: 'delete',
      input: { key: 'b' },
      invokedAt: 99,
      outcome: 'ok',
    };
    const expected = expectedValues([
      write('a', '1', 'replica', true),
      write('a', '2', 'replica', true),
      write('b', '1', 'replica', true),
      del,
    ]);
    expect(expected.map((e) => [e.key, e.value])).toEqual([['a', '2']]);
  });

  it('when a key sits on two masters or off its owner, then the verdict is invalid', () => {
    const verdict = checkSharding([], new Map(), [
      { key: 'k', owner: 'shard-1', foundOn: ['shard-1', 'shard-4'] },
    ]);
    expect(verdict.valid).toBe(false);
    expect(checkSharding([], new Map(), [{ key: 'k', owner: 'shard-1', foundOn: ['shard-1'] }]).valid).toBe(
      true,
    );
  });
});

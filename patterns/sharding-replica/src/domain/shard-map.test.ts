import { describe, expect, it } from 'vitest';
import {
  initialShardMap,
  nextStandby,
  promoteReplica,
  shardsFromNodeNames,
  withShardActive,
} from './shard-map.ts';

const names = [
  'shard-2-replica',
  'shard-1-master',
  'shard-1-replica',
  'shard-2-master',
  'shard-10-master',
  'other-node',
];

describe('shard map', () => {
  it('groups node names into shards sorted by number and ignores names that are not shard nodes', () => {
    expect(shardsFromNodeNames(names)).toEqual([
      { id: 'shard-1', master: 'shard-1-master', replica: 'shard-1-replica' },
      { id: 'shard-2', master: 'shard-2-master', replica: 'shard-2-replica' },
      { id: 'shard-10', master: 'shard-10-master' },
    ]);
  });

  it('puts the first N shards on the ring and keeps the rest as standbys; adding one puts it on the ring', () => {
    const map = initialShardMap(shardsFromNodeNames(names), { activeShards: 2, virtualNodes: 8 });
    expect(map.ring.nodes).toEqual(['shard-1', 'shard-2']);
    expect(nextStandby(map)?.id).toBe('shard-10');
    const grown = withShardActive(map, 'shard-10', true);
    expect(grown.ring.nodes).toContain('shard-10');
    expect(nextStandby(grown)).toBeUndefined();
    expect(withShardActive(grown, 'shard-1', false).ring.nodes).toEqual(['shard-10', 'shard-2']);
  });

  it('promoting a replica swaps the roles of that shard only', () => {
    const map = initialShardMap(shardsFromNodeNames(names), { activeShards: 2, virtualNodes: 8 });
    const after = promoteReplica(map, 'shard-1');
    expect(after.shards[0]).toMatchObject({ master: 'shard-1-replica', replica: 'shard-1-master' });
    expect(after.shards[1]).toEqual(map.shards[1]);
  });
});

import { RedisNode } from '@kvs-lab/shared/redis';
import { seededRandom, startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import { fromJSON } from '@kvs-lab/shared/vector-clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree, formatNode, leafOf, treeDepth } from '../src/domain/incremental-merkle.ts';
import { resolve, versionId } from '../src/domain/versioned-value.ts';
import type { ConflictPolicy, StoredVersion } from '../src/domain/versioned-value.ts';
import { pendingLeavesPerFlush } from '../src/store/batches.ts';
import { keys } from '../src/store/keys.ts';
import { ReplicaStore } from '../src/store/replica-store.ts';

let store: ReplicaStore;
let node: RedisNode;

beforeAll(async () => {
  const redis = await startRedis({ name: 'put-version' });
  node = new RedisNode({ name: 'replica-1', url: redis.url, host: redis.host, port: redis.port });
  await node.ready();
  store = new ReplicaStore(node);
});

afterAll(async () => {
  await node?.close();
  await stopAllRedis();
});

/** A version with small random counters over three coordinators, so every order relation comes up. */
function randomVersion(random: () => number, i: number): StoredVersion {
  const entries: Record<string, { counter: number; timestamp: number }> = {};
  for (const actor of ['quorum-a', 'quorum-b', 'quorum-c']) {
    const counter = Math.floor(random() * 3);
    if (counter > 0) entries[actor] = { counter, timestamp: counter };
  }
  if (Object.keys(entries).length === 0) entries['quorum-a'] = { counter: 1, timestamp: 1 };
  return {
    value: `v${i}`,
    isTombstone: random() < 0.2,
    clock: fromJSON(entries),
    writtenAt: Math.floor(random() * 5),
    writer: random() < 0.5 ? 'quorum-a' : 'quorum-b',
  };
}

const ids = (versions: readonly StoredVersion[]) => versions.map((v) => versionId(v.clock)).sort();

describe('put-version.lua keeps what the domain’s resolve keeps', () => {
  it.each<ConflictPolicy>(['vector-clock', 'lww'])(
    'under %s, storing random versions one by one leaves exactly the survivors of resolve over all of them',
    async (policy) => {
      const random = seededRandom(policy === 'lww' ? 7 : 8);
      for (let round = 0; round < 40; round++) {
        const key = `${policy}-${round}`;
        // Distinct clocks only: equal clocks name the same write, and a test that reused one would compare two writes as one.
        const seen = new Set<string>();
        const versions = Array.from({ length: 6 }, (_, i) => randomVersion(random, i)).filter((v) => {
          const id = versionId(v.clock);
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
        for (const version of versions) await store.putVersions(key, [version], policy);
        expect(ids(await store.readVersions(key))).toEqual(ids(resolve(versions, policy)));
      }
    },
  );

  it('storing the same version twice adds it once, and the digest index changes only with the set', async () => {
    const version = randomVersion(seededRandom(3), 1);
    expect(await store.putVersions('twice', [version], 'vector-clock')).toBe(1);
    const before = (await store.readDigests()).get('twice');
    expect(await store.putVersions('twice', [version], 'vector-clock')).toBe(0);
    expect((await store.readDigests()).get('twice')).toEqual(before);
  });
});

describe('the write scripts keep the replica’s Merkle tree equal to one built from scratch', () => {
  it('after random writes, overwrites and tombstone drops, every stored node, bucket and the summary match a rebuild from the digest index', async () => {
    await store.flush();
    const random = seededRandom(11);
    const keyNames = Array.from({ length: 60 }, (_, i) => `tree-${i}`);
    for (let step = 0; step < 300; step++) {
      const key = keyNames[Math.floor(random() * keyNames.length)] as string;
      await store.putVersions(key, [randomVersion(random, step)], 'vector-clock');
    }
    // Drop the keys left holding a single tombstone, as collection does.
    for (const key of keyNames) {
      const held = await store.readVersions(key);
      if (held.length === 1 && held[0]?.isTombstone)
        expect(await store.dropTombstone(key, versionId(held[0].clock))).toBe(true);
    }

    const digests = await store.readDigests();
    const expected = buildTree(
      [...digests].map(([key, entry]) => ({ key, digest: entry.digest.slice(0, 16) })),
      treeDepth,
    );
    // A read of any node flushes the changes the writes left pending at their leaves.
    const root = (await store.readTreeNodes([1]))[0];
    expect(await node.run((client) => client.hlen(keys.merklePending))).toBe(0);
    const stored = await node.run((client) => client.hgetall(keys.merkleTree));
    expect(stored).toEqual(
      Object.fromEntries([...expected].map(([index, treeNode]) => [String(index), formatNode(treeNode)])),
    );
    const leaves = [...new Set([...digests.keys()].map((key) => leafOf(key)))];
    expect(
      Object.fromEntries(await store.readKeysIn(leaves.map((leaf) => ({ first: leaf, last: leaf })))),
    ).toEqual(Object.fromEntries([...digests].map(([key, entry]) => [key, entry.digest.slice(0, 16)])));
    const bytes = [...digests.values()].reduce((sum, entry) => sum + entry.sizeBytes, 0);
    expect(await store.readSummary()).toEqual({ keys: digests.size, bytes });
    // One range over every leaf lists every key; the root counts them all.
    expect((await store.readKeysIn([{ first: 0, last: 2 ** treeDepth - 1 }])).size).toBe(digests.size);
    expect(root).toBe(formatNode(expected.get(1) ?? { hash: '', keys: 0 }));
  });

  it('a single write records its change at its leaf only; more pending leaves than one flush takes are applied over several reads, and the tree then matches a rebuild', async () => {
    await store.flush();
    await store.putVersions('alone', [randomVersion(seededRandom(12), 1)], 'vector-clock');
    expect(await node.run((client) => client.hlen(keys.merkleTree))).toBe(0);
    expect(await node.run((client) => client.hkeys(keys.merklePending))).toEqual([String(leafOf('alone'))]);

    // Single writes of distinct keys: more leaves wait than pendingLeavesPerFlush, so a read flushes in turns.
    const keyNames = Array.from({ length: pendingLeavesPerFlush + 500 }, (_, i) => `many-${i}`);
    const version = randomVersion(seededRandom(13), 2);
    for (let at = 0; at < keyNames.length; at += 50)
      await Promise.all(
        keyNames.slice(at, at + 50).map((key) => store.putVersions(key, [version], 'vector-clock')),
      );
    expect(await node.run((client) => client.hlen(keys.merklePending))).toBeGreaterThan(
      pendingLeavesPerFlush,
    );
    const root = (await store.readTreeNodes([1]))[0];

    const digests = await store.readDigests();
    const expected = buildTree(
      [...digests].map(([key, entry]) => ({ key, digest: entry.digest.slice(0, 16) })),
      treeDepth,
    );
    expect(root).toBe(formatNode(expected.get(1) ?? { hash: '', keys: 0 }));
    expect(await node.run((client) => client.hgetall(keys.merkleTree))).toEqual(
      Object.fromEntries([...expected].map(([index, treeNode]) => [String(index), formatNode(treeNode)])),
    );
  });
});

import type { RedisNode } from '@kvs-lab/shared/redis';
import { leafOf, treeDepth } from '../domain/incremental-merkle.ts';
import type { ConflictPolicy, StoredVersion } from '../domain/versioned-value.ts';
import {
  inBatches,
  pendingLeavesPerFlush,
  readBatch,
  readsInFlight,
  treeValuesPerCall,
  writeBatch,
} from './batches.ts';
import { keys } from './keys.ts';
import {
  dropTombstoneScript,
  merkleKeysScript,
  merkleNodesScript,
  putVersionScript,
  putVersionsScript,
  readVersionsScript,
} from './scripts.ts';
import { decodeHintField, decodeVersion, encodeHintField, encodeVersion } from './version-codec.ts';

/** A hint waiting on its holder: a version addressed to a replica that was down. */
export interface StoredHint {
  readonly field: string;
  readonly key: string;
  readonly version: StoredVersion;
}

/** One replica's digest of a key: the sibling set's hash and its size in bytes. */
export interface KeyDigest {
  readonly digest: string;
  readonly sizeBytes: number;
}

/** Bytes a replica's Redis has read from and written to its clients since it started (INFO stats). */
export interface WireCounters {
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/**
 * One replica's data, seen from a coordinator: every call is one Redis round
 * trip through the node's link, so /chaos cuts and slow links apply.
 */
export class ReplicaStore {
  readonly node: RedisNode;
  constructor(node: RedisNode) {
    this.node = node;
  }

  get name(): string {
    return this.node.name;
  }

  /** Adds versions atomically (see put-version.lua); resolves to how many were new here. */
  async putVersions(
    key: string,
    versions: readonly StoredVersion[],
    policy: ConflictPolicy,
  ): Promise<number> {
    return this.putEncoded(encodePut(key, versions, policy));
  }

  /** putVersions with the script's keys and arguments built once, for a write sent to every replica alike. */
  async putEncoded(put: EncodedPut): Promise<number> {
    return this.node.run((client) => putVersionScript.run(client, put.keys, put.args));
  }

  /**
   * putVersions for many keys, a batch per script call: anti-entropy's repair and bulk copies. By default
   * each batch flushes its changes into the tree and batches go one at a time. `flushAtEnd` lets two
   * batches be in flight and flushes once, in the last batch (the replica runs a connection's scripts in
   * order, so it runs last): each node the batches share is written once, and no round trip is added.
   * Leaves past what one flush takes wait for the next read of the tree, which flushes first.
   */
  async putVersionsMany(
    items: readonly { key: string; versions: readonly StoredVersion[] }[],
    policy: ConflictPolicy,
    options: { readonly flushAtEnd?: boolean } = {},
  ): Promise<void> {
    const flushAtEnd = options.flushAtEnd ?? false;
    const last = items.at(-1);
    await inBatches(items, writeBatch, flushAtEnd ? 2 : 1, async (batch) => {
      const flushes = !flushAtEnd || batch.at(-1) === last;
      const args = batch.flatMap(({ key, versions }) => {
        const pairs = versions.flatMap((version) => {
          const { id, body } = encodeVersion(version);
          return [id, body];
        });
        return [key, leafOf(key), pairs.length, ...pairs];
      });
      await this.node.run((client) =>
        putVersionsScript.run(
          client,
          [
            keys.digestIndex,
            keys.tombstoneIndex,
            keys.merklePending,
            keys.merkleLeaves,
            keys.merkleSummary,
            keys.merkleTree,
            ...batch.map(({ key }) => keys.versions(key)),
          ],
          [policy, treeDepth, flushes ? pendingLeavesPerFlush : 0, ...args],
        ),
      );
    });
  }

  /** The sibling sets of many keys, a batch per script call. */
  async readVersionsMany(keyNames: readonly string[]): Promise<Map<string, StoredVersion[]>> {
    const held = new Map<string, StoredVersion[]>();
    await inBatches(keyNames, readBatch, readsInFlight, async (batch) => {
      const sets = await this.node.run((client) =>
        readVersionsScript.run(
          client,
          batch.map((key) => keys.versions(key)),
          [],
        ),
      );
      batch.forEach((key, i) => {
        held.set(
          key,
          (sets[i] ?? []).map(([id, body]) => decodeVersion(id, body)),
        );
      });
    });
    return held;
  }

  /** Values of some nodes of this replica's Merkle tree, in order; null for an empty subtree. */
  async readTreeNodes(nodes: readonly number[]): Promise<(string | null)[]> {
    return this.readTreeBelow(nodes, 0);
  }

  /**
   * Values of the 2^levels nodes `levels` below each of `nodes` (p * 2^levels onwards), in order: the
   * part of the tree a descent reads under the nodes it opens; `levels` 0 reads the nodes themselves.
   */
  async readTreeBelow(nodes: readonly number[], levels: number): Promise<(string | null)[]> {
    const perCall = Math.max(1, Math.floor(treeValuesPerCall / 2 ** levels));
    const answers = await inBatches(nodes, perCall, readsInFlight, async (batch) => {
      // Each call flushes up to a limit of the writes since the last read; asked again until none wait.
      for (;;) {
        const read = await this.node.run((client) =>
          merkleNodesScript.run(
            client,
            [keys.merkleTree, keys.merklePending],
            [levels, treeDepth, pendingLeavesPerFlush, ...batch],
          ),
        );
        if (read.isFlushed) return read.values;
      }
    });
    return answers.flat();
  }

  /** Every (key, digest) in the given ranges of leaves (first and last inclusive) of this replica's tree. */
  async readKeysIn(ranges: readonly { first: number; last: number }[]): Promise<Map<string, string>> {
    return new Map((await this.readKeysByRange(ranges)).flat());
  }

  /** readKeysIn, with the (key, digest) pairs of each range apart, in the order asked. */
  async readKeysByRange(ranges: readonly { first: number; last: number }[]): Promise<[string, string][][]> {
    const answers = await inBatches(ranges, readBatch, readsInFlight, (batch) =>
      this.node.run((client) =>
        merkleKeysScript.run(
          client,
          [keys.merkleLeaves, keys.digestIndex],
          batch.flatMap((range) => [range.first, range.last]),
        ),
      ),
    );
    return answers.flat();
  }

  /** How many keys and bytes of sibling sets this replica holds (kept by the write scripts). */
  async readSummary(): Promise<{ keys: number; bytes: number }> {
    const raw = await this.node.run((client) => client.hmget(keys.merkleSummary, 'keys', 'bytes'));
    return { keys: Number(raw[0] ?? 0), bytes: Number(raw[1] ?? 0) };
  }

  /** The replica's own byte counters: what anti-entropy moved is the difference between two readings. */
  async wireCounters(): Promise<WireCounters> {
    const info = await this.node.run((client) => client.info('stats'));
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    return { inputBytes: field('total_net_input_bytes'), outputBytes: field('total_net_output_bytes') };
  }

  async readVersions(key: string): Promise<StoredVersion[]> {
    const raw = await this.node.run((client) => client.hgetall(keys.versions(key)));
    return Object.entries(raw).map(([id, body]) => decodeVersion(id, body));
  }

  /** The name of every key this replica holds. */
  async keyNames(): Promise<string[]> {
    return this.node.run((client) => client.hkeys(keys.digestIndex));
  }

  /** Every key this replica holds with its digest: what its Merkle tree is built from. */
  async readDigests(): Promise<Map<string, KeyDigest>> {
    const raw = await this.node.run((client) => client.hgetall(keys.digestIndex));
    const digests = new Map<string, KeyDigest>();
    for (const [key, entry] of Object.entries(raw)) {
      const at = entry.lastIndexOf(':');
      digests.set(key, { digest: entry, sizeBytes: Number(entry.slice(at + 1)) || 0 });
    }
    return digests;
  }

  async tombstoneKeys(limit: number): Promise<string[]> {
    const [, members] = await this.node.run((client) =>
      client.sscan(keys.tombstoneIndex, '0', 'COUNT', limit),
    );
    return members;
  }

  /** Forgets a key whose only version is this tombstone; false when something else is there now. */
  async dropTombstone(key: string, versionIdOfTombstone: string): Promise<boolean> {
    const answer = await this.node.run((client) =>
      dropTombstoneScript.run(client, writeKeys(key), [key, versionIdOfTombstone, leafOf(key)]),
    );
    return answer === 'dropped';
  }

  async storeHint(target: string, key: string, version: StoredVersion): Promise<void> {
    const { id, body } = encodeVersion(version);
    await this.node.run((client) => client.hset(keys.hints(target), encodeHintField(key, id), body));
  }

  /** Up to about `limit` hints held here for `target` (one HSCAN page). */
  async readHints(target: string, limit: number): Promise<StoredHint[]> {
    const [, flat] = await this.node.run((client) => client.hscan(keys.hints(target), '0', 'COUNT', limit));
    const hints: StoredHint[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i] ?? '';
      const { key, id } = decodeHintField(field);
      hints.push({ field, key, version: decodeVersion(id, flat[i + 1] ?? '') });
    }
    return hints;
  }

  async countHints(target: string): Promise<number> {
    return this.node.run((client) => client.hlen(keys.hints(target)));
  }

  async deleteHint(target: string, field: string): Promise<void> {
    await this.node.run((client) => client.hdel(keys.hints(target), field));
  }

  /** The fault "this replica lost its disk": every key and every hint it held are gone. */
  async flush(): Promise<void> {
    await this.node.run((client) => client.flushdb('ASYNC'));
  }
}

/** One put-version call, encoded: what every replica of a write receives, byte for byte. */
export interface EncodedPut {
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

/** The KEYS and ARGV of put-version.lua for `versions` of `key`. */
export function encodePut(
  key: string,
  versions: readonly StoredVersion[],
  policy: ConflictPolicy,
): EncodedPut {
  const args: (string | number)[] = [key, policy, leafOf(key)];
  for (const version of versions) {
    const { id, body } = encodeVersion(version);
    args.push(id, body);
  }
  return { keys: writeKeys(key), args };
}

/** The KEYS of the write scripts (put-version, drop-tombstone), in their order. */
function writeKeys(key: string): string[] {
  return [
    keys.versions(key),
    keys.digestIndex,
    keys.tombstoneIndex,
    keys.merklePending,
    keys.merkleLeaves,
    keys.merkleSummary,
  ];
}

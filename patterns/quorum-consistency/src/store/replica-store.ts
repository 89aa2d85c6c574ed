import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisNode } from '@kvs-lab/shared/redis';
import type { Redis } from 'ioredis';
import type { ConflictPolicy, StoredVersion } from '../domain/versioned-value.ts';
import { keys } from './keys.ts';
import { decodeVersion, encodeVersion } from './version-codec.ts';

/** A Lua script sent by SHA, and in full once after a replica restart forgets it. */
class Script {
  private readonly sha: string;
  private readonly source: string;
  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: Redis,
    keyNames: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keyNames.length, ...keyNames, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keyNames.length, ...keyNames, ...args);
    }
  }
}

const lua = (name: string): Script =>
  new Script(readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8'));
const putVersionScript = lua('put-version');
const dropTombstoneScript = lua('drop-tombstone');

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
    const pairs = versions.flatMap((version) => {
      const { id, body } = encodeVersion(version);
      return [id, body];
    });
    const added = await this.node.run((client) =>
      putVersionScript.run(
        client,
        [keys.versions(key), keys.digestIndex, keys.tombstoneIndex],
        [key, policy, ...pairs],
      ),
    );
    return Number(added);
  }

  async readVersions(key: string): Promise<StoredVersion[]> {
    const raw = await this.node.run((client) => client.hgetall(keys.versions(key)));
    return Object.entries(raw).map(([id, body]) => decodeVersion(id, body));
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
    const dropped = await this.node.run((client) =>
      dropTombstoneScript.run(
        client,
        [keys.versions(key), keys.digestIndex, keys.tombstoneIndex],
        [key, versionIdOfTombstone],
      ),
    );
    return Number(dropped) === 1;
  }

  async storeHint(target: string, key: string, version: StoredVersion): Promise<void> {
    const { id, body } = encodeVersion(version);
    await this.node.run((client) => client.hset(keys.hints(target), JSON.stringify([key, id]), body));
  }

  /** Up to about `limit` hints held here for `target` (one HSCAN page). */
  async readHints(target: string, limit: number): Promise<StoredHint[]> {
    const [, flat] = await this.node.run((client) => client.hscan(keys.hints(target), '0', 'COUNT', limit));
    const hints: StoredHint[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i] as string;
      const [key, id] = JSON.parse(field) as [string, string];
      hints.push({ field, key, version: decodeVersion(id, flat[i + 1] as string) });
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
    await this.node.run((client) => client.flushdb());
  }
}

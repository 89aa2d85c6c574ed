import { keysToRepair, readersFor } from '../domain/incremental-merkle.ts';
import { planReadRepair } from '../domain/read-repair.ts';
import { resolve } from '../domain/versioned-value.ts';
import type { ConflictPolicy, StoredVersion } from '../domain/versioned-value.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import { encodeVersion } from '../store/version-codec.ts';
import type { RoundReplicas } from './round-replicas.ts';

/** One replica's (key, digest) pairs in the listed ranges. */
export interface RangeListing {
  readonly node: string;
  readonly digests: ReadonlyMap<string, string>;
}

/** Every live replica's keys and digests in `ranges` (leaf ranges, inclusive); none asked when there are none. */
export async function listRanges(
  round: RoundReplicas,
  ranges: readonly { first: number; last: number }[],
  options: { readonly trace: TraceMessages; readonly from: string },
): Promise<RangeListing[]> {
  if (ranges.length > 0)
    options.trace(
      round.live().map((replica) => ({
        from: options.from,
        to: replica.name,
        kind: 'merkle-keys',
        detail: { ranges: ranges.length },
      })),
    );
  const listings = await Promise.all(
    round.live().map(async (replica) => {
      const digests =
        ranges.length > 0
          ? await round.ask(replica, () => replica.readKeysIn(ranges))
          : new Map<string, string>();
      return digests && { node: replica.name, digests };
    }),
  );
  return listings.filter((listing) => listing !== undefined);
}

/**
 * Reads the versions of each key whose digests disagree from one replica per
 * distinct digest (equal digests hold equal sets), resolves them, and ships
 * to each replica what it lacks: reads and writes batched per replica.
 */
export async function repairListed(
  round: RoundReplicas,
  listings: readonly RangeListing[],
  options: {
    readonly policy: ConflictPolicy;
    readonly emit: LiveEmit;
    readonly sending: (node: string, keys: readonly string[]) => void;
  },
): Promise<{ keysRepaired: number; versionBytes: number }> {
  const plans = keysToRepair(listings.map((listing) => listing.digests)).map((key) => ({
    key,
    readers: readersFor(key, listings),
  }));
  const reads = new Map<string, string[]>();
  for (const { key, readers } of plans) for (const { node } of readers) listFor(reads, node).push(key);
  const held = new Map<string, Map<string, StoredVersion[]>>();
  await Promise.all(
    [...reads].map(async ([node, keyNames]) => {
      const replica = round.byName(node);
      const versions = replica && (await round.ask(replica, () => replica.readVersionsMany(keyNames)));
      if (versions) held.set(node, versions);
    }),
  );

  const writes = new Map<string, { key: string; versions: StoredVersion[] }[]>();
  for (const { key, readers } of plans) {
    // Every listed replica's versions: read ones, the same for those with an equal digest, none where absent.
    const answers = listings.flatMap(({ node, digests }) => {
      if (!digests.has(key)) return [{ node, versions: [] as StoredVersion[] }];
      const reader = readers.find((entry) => entry.node === node || entry.sameAs.includes(node));
      const versions = reader && held.get(reader.node)?.get(key);
      return versions ? [{ node, versions }] : [];
    });
    const survivors = resolve(
      answers.flatMap((answer) => answer.versions),
      options.policy,
    );
    for (const task of planReadRepair(answers, survivors))
      listFor(writes, task.node).push({ key, versions: [...task.missing] });
  }
  const repairedKeys = new Set<string>();
  let versionBytes = 0;
  await Promise.all(
    [...writes].map(async ([node, items]) => {
      const replica: ReplicaStore | undefined = round.byName(node);
      if (!replica) return;
      options.sending(
        node,
        items.map((item) => item.key),
      );
      const done = await round.ask(replica, async () => {
        await replica.putVersionsMany(items, options.policy);
        return true;
      });
      if (!done) return;
      for (const { key, versions } of items) {
        repairedKeys.add(key);
        versionBytes += bytesOf(key, versions);
        options.emit('replica:repaired', { key, node, via: 'anti-entropy' });
      }
    }),
  );
  return { keysRepaired: repairedKeys.size, versionBytes };
}

/** The list kept under `node`, made empty the first time. */
function listFor<T>(lists: Map<string, T[]>, node: string): T[] {
  let list = lists.get(node);
  if (!list) {
    list = [];
    lists.set(node, list);
  }
  return list;
}

function bytesOf(key: string, versions: readonly StoredVersion[]): number {
  return versions.reduce((sum, version) => {
    const { id, body } = encodeVersion(version);
    return sum + key.length + id.length + body.length;
  }, 0);
}

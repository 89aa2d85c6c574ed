import { keysToRepair, readersFor } from '../domain/incremental-merkle.ts';
import { planReadRepair } from '../domain/read-repair.ts';
import { resolve } from '../domain/versioned-value.ts';
import type { ConflictPolicy, StoredVersion } from '../domain/versioned-value.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import { encodeVersion } from '../store/version-codec.ts';
import { groupByValue, readOncePerValue } from './read-once-per-value.ts';
import type { RoundReplicas } from './round-replicas.ts';

/** One replica's (key, digest) pairs in the listed ranges. */
export interface RangeListing {
  readonly node: string;
  readonly digests: ReadonlyMap<string, string>;
}

/** One range of leaves to list (inclusive) and each replica's value of the node above it. */
export interface RangeToList {
  readonly range: { readonly first: number; readonly last: number };
  readonly values: ReadonlyMap<string, string | null>;
}

/**
 * Every live replica's keys and digests in the ranges; none asked when there are none. A range is listed
 * on one replica per distinct value of its node (equal nodes hold equal keys and digests), so the replicas
 * that agree share one listing.
 */
export async function listRanges(
  round: RoundReplicas,
  ranges: readonly RangeToList[],
  options: { readonly trace: TraceMessages; readonly from: string },
): Promise<RangeListing[]> {
  const live = round.live().map((replica) => replica.name);
  if (ranges.length === 0) return live.map((node) => ({ node, digests: new Map<string, string>() }));
  options.trace(
    live.map((name) => ({
      from: options.from,
      to: name,
      kind: 'merkle-keys',
      detail: { ranges: ranges.length },
    })),
  );
  const answers = await readOncePerValue(
    round,
    ranges.map(({ range, values }) => ({
      item: range,
      groups: groupByValue(live, (name) => (values.has(name) ? (values.get(name) ?? null) : undefined)),
    })),
    (replica, asked) => replica.readKeysByRange(asked),
  );
  return round.live().flatMap((replica) => {
    const byRange = answers.get(replica.name);
    if (!byRange) return [];
    const digests = new Map<string, string>();
    for (const pairs of byRange.values()) for (const [key, digest] of pairs) digests.set(key, digest);
    return [{ node: replica.name, digests }];
  });
}

/**
 * One listing per replica still in the round, from the listings of several calls of listRanges (the
 * descent lists nodes as it finds them): a replica that left the round since is left out, so every
 * listing kept covers every range.
 */
export function mergeListings(round: RoundReplicas, parts: readonly RangeListing[][]): RangeListing[] {
  return round.live().map((replica) => {
    const digests = new Map<string, string>();
    for (const part of parts)
      for (const listing of part)
        if (listing.node === replica.name)
          for (const [key, digest] of listing.digests) digests.set(key, digest);
    return { node: replica.name, digests };
  });
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
      // One flush of the tree for all the round's batches to this replica, not one per batch.
      const done = await round.ask(replica, async () => {
        await replica.putVersionsMany(items, options.policy, { flushAtEnd: true });
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

import {
  childrenOf,
  differingNodes,
  keysToRepair,
  leavesUnder,
  parseNode,
  planDescent,
  readersFor,
  treeDepth,
} from './domain/incremental-merkle.ts';
import { planReadRepair } from './domain/read-repair.ts';
import { decideTombstoneCollection } from './domain/tombstone-gc.ts';
import { resolve } from './domain/versioned-value.ts';
import type { StoredVersion } from './domain/versioned-value.ts';
import type { TraceMessages } from './protocol-trace.ts';
import type { LiveEmit, QuorumEventPayloads } from './realtime/events.ts';
import type { AntiEntropyReport, WireBytes } from './anti-entropy-report.ts';
import type { QuorumSettings } from './settings.ts';
import type { ReplicaStore, WireCounters } from './store/replica-store.ts';
import { encodeVersion } from './store/version-codec.ts';

/** Where the replicas' trees differed in one round, pair by pair (the live view's Merkle panel). */
export type { AntiEntropyReport, WireBytes } from './anti-entropy-report.ts';

export type MerkleComparison = QuorumEventPayloads['merkle:compared'];

export interface AntiEntropyOptions {
  readonly settings: () => QuorumSettings;
  readonly tombstoneGraceMs: number;
  readonly now: () => number;
  readonly hasPendingHints: () => Promise<boolean>;
  readonly emit: LiveEmit;
  /** The round's messages for GET /trace, sent as `coordinator` (the bench records none). */
  readonly trace?: TraceMessages;
  readonly coordinator?: string;
}

/** A stored tree as levels of node values, for GET /merkle/{node} and /check. */
export interface TreeView {
  readonly depth: number;
  readonly root: string;
  readonly keys: number;
  readonly levels: string[][];
  readonly leafKeyCounts: number[];
}

/**
 * Merkle anti-entropy across all replicas. Each replica keeps its own tree
 * up to date as it writes (put-version.lua), so a round reads no digest index:
 * it compares the replicas' trees level by level from the root, opening only
 * nodes whose values differ, lists the keys of the differing leaves, and
 * ships only the versions some replica lacks.
 */
export class AntiEntropyService {
  runs = 0;
  keysRepaired = 0;
  /** The last round's report and comparison, for the live view's snapshot (null before the first). */
  last: { report: AntiEntropyReport; compared: MerkleComparison } | null = null;
  private running: Promise<AntiEntropyReport> | undefined;

  private readonly replicas: readonly ReplicaStore[];
  private readonly options: AntiEntropyOptions;

  constructor(replicas: readonly ReplicaStore[], options: AntiEntropyOptions) {
    this.replicas = replicas;
    this.options = options;
  }

  /** One round; a call during a round waits for that round instead of starting another. */
  run(): Promise<AntiEntropyReport> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The top `depth` levels of one replica's stored tree (one read), for GET /merkle/{node}. */
  async tree(replica: ReplicaStore, depth: number): Promise<TreeView> {
    const shown = Math.min(depth, treeDepth);
    const nodes = Array.from({ length: 2 ** (shown + 1) - 1 }, (_, i) => i + 1);
    const values = (await replica.readTreeNodes(nodes)).map(parseNode);
    const levels = Array.from({ length: shown + 1 }, (_, level) =>
      values.slice(2 ** level - 1, 2 ** (level + 1) - 1),
    );
    const root = values[0] ?? parseNode(null);
    return {
      depth: shown,
      root: root.hash,
      keys: root.keys,
      levels: levels.map((level) => level.map((node) => node.hash)),
      leafKeyCounts: (levels[shown] ?? []).map((node) => node.keys),
    };
  }

  private async round(): Promise<AntiEntropyReport> {
    const { emit, now } = this.options;
    const trace = this.options.trace ?? (() => undefined);
    const from = this.options.coordinator ?? 'coordinator';
    const startedAt = now();
    const policy = this.options.settings().conflictPolicy;
    const skipped = new Set<string>();
    // A replica that fails at any step is left out of the rest of the round: the next round catches it up.
    const live = () => this.replicas.filter((replica) => !skipped.has(replica.name));
    const ask = async <T>(replica: ReplicaStore, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch {
        skipped.add(replica.name);
        return undefined;
      }
    };

    const before = await this.wireReadings(ask);
    const summaries = await Promise.all(live().map((replica) => ask(replica, () => replica.readSummary())));
    // The top levels differ almost everywhere once a few keys per node differ, and each level is a round
    // trip: the first request reads every node down to a level holding about 64 keys per node.
    const prefetchLevels = prefetchDepth(Math.max(0, ...summaries.map((summary) => summary?.keys ?? 0)));
    const cache = new Map<string, Map<number, string | null>>();

    // Top down: the root on every replica, then the children of every node whose values differ,
    // until a differing node is a leaf or small enough to list key by key.
    let nodes = [1];
    // The nodes opened on the level above: asking for their children sends half as many indices.
    let parents: number[] = [];
    let rangesCompared = 0;
    const listed: { node: number; values: Map<string, string | null> }[] = [];
    const levels: MerkleComparison['levels'] = [];
    for (let level = 0; level <= treeDepth && nodes.length > 0; level++) {
      const asked = nodes;
      const isCached = level > 0 && level <= prefetchLevels;
      const toFetch =
        level === 0 ? Array.from({ length: 2 ** (prefetchLevels + 1) - 1 }, (_, i) => i + 1) : asked;
      if (!isCached)
        trace(
          live().map((replica) => ({
            from,
            to: replica.name,
            kind: 'merkle-read',
            detail: { level, nodes: level === 0 ? toFetch.length : 2 * parents.length },
          })),
        );
      const answered = (
        await Promise.all(
          live().map(async (replica) => {
            if (!isCached) {
              const fetched = await ask(replica, () =>
                level === 0 ? replica.readTreeNodes(toFetch) : replica.readTreeChildren(parents),
              );
              if (fetched)
                cache.set(replica.name, new Map(toFetch.map((node, j) => [node, fetched[j] ?? null])));
              else cache.delete(replica.name);
            }
            const held = cache.get(replica.name);
            return { node: replica.name, values: held && asked.map((node) => held.get(node) ?? null) };
          }),
        )
      ).filter(
        (answer): answer is { node: string; values: (string | null)[] } => answer.values !== undefined,
      );
      if (!isCached) rangesCompared += toFetch.length;
      const at = new Map(asked.map((node, j) => [node, j]));
      const valuesOf = (node: number) => answered.map((answer) => answer.values[at.get(node) ?? 0] ?? null);
      const differing = differingNodes(
        asked,
        answered.map((answer) => answer.values),
      );
      levels.push({ level, compared: asked.length, differing: differing.length });
      trace(
        answered.map((answer) => ({
          from: answer.node,
          to: from,
          kind: 'merkle-hashes',
          detail: { level, compared: asked.length, differing: differing.length },
        })),
      );
      const { open, list } = planDescent(
        differing,
        (node) => valuesOf(node).map((value) => parseNode(value).keys),
        treeDepth,
      );
      for (const node of list)
        listed.push({
          node,
          values: new Map(answered.map((answer) => [answer.node, answer.values[at.get(node) ?? 0] ?? null])),
        });
      parents = open;
      nodes = childrenOf(open);
    }
    const ranges = listed.map(({ node }) => leavesUnder(node, treeDepth));
    const comparison: MerkleComparison = { depth: treeDepth, pairs: pairsOf(listed, ranges), levels };
    emit('merkle:compared', comparison);

    // The keys under the listed nodes, then the keys whose digests disagree.
    if (ranges.length > 0)
      trace(
        live().map((replica) => ({
          from,
          to: replica.name,
          kind: 'merkle-keys',
          detail: { ranges: ranges.length },
        })),
      );
    const listings = (
      await Promise.all(
        live().map(async (replica) => ({
          replica,
          digests:
            ranges.length > 0
              ? await ask(replica, () => replica.readKeysIn(ranges))
              : new Map<string, string>(),
        })),
      )
    ).filter(
      (listing): listing is { replica: ReplicaStore; digests: Map<string, string> } =>
        listing.digests !== undefined,
    );
    const named = listings.map(({ replica, digests }) => ({ node: replica.name, digests }));
    const toRepair = keysToRepair(listings.map((listing) => listing.digests));

    const { keysRepaired, versionBytes } = await this.repair(toRepair, named, policy, ask, (node, keys) =>
      trace([
        {
          from,
          to: node,
          kind: 'anti-entropy-repair',
          detail: { keys: keys.length, sample: keys.slice(0, 5) },
        },
      ]),
    );

    const tombstonesCollected = skipped.size === 0 ? await this.collectTombstones() : 0;
    const fullest = Math.max(0, ...summaries.map((summary) => summary?.bytes ?? 0));
    const after = await this.wireReadings(ask);
    const wire = wireBytes(before, after, (name) => !skipped.has(name));

    this.runs += 1;
    this.keysRepaired += keysRepaired;
    const compared = live().map((replica) => replica.name);
    const report: AntiEntropyReport = {
      replicasCompared: compared,
      replicasSkipped: [...skipped].sort(),
      depth: treeDepth,
      rangesCompared,
      rangesDiffering: listed.length,
      keysListed: listings.reduce((sum, listing) => sum + listing.digests.size, 0),
      keysRepaired,
      tombstonesCollected,
      bytesMoved: wire.bytes,
      versionBytes,
      fullCopyBytes: 2 * fullest * Math.max(0, compared.length - 1),
      wire,
      durationMs: now() - startedAt,
    };
    this.last = { report, compared: comparison };
    emit('antientropy:finished', report);
    return report;
  }

  /**
   * Reads the versions of each key to repair from one replica per distinct
   * digest (equal digests hold equal sets), resolves them, and ships to each
   * replica what it lacks: reads and writes pipelined per replica.
   */
  private async repair(
    toRepair: readonly string[],
    listings: readonly { node: string; digests: ReadonlyMap<string, string> }[],
    policy: QuorumSettings['conflictPolicy'],
    ask: <T>(replica: ReplicaStore, read: () => Promise<T>) => Promise<T | undefined>,
    sending: (node: string, keys: readonly string[]) => void,
  ): Promise<{ keysRepaired: number; versionBytes: number }> {
    const plans = toRepair.map((key) => ({ key, readers: readersFor(key, listings) }));
    const reads = new Map<string, string[]>();
    for (const { key, readers } of plans)
      for (const { node } of readers) reads.set(node, [...(reads.get(node) ?? []), key]);
    const held = new Map<string, Map<string, StoredVersion[]>>();
    await Promise.all(
      [...reads].map(async ([node, keyNames]) => {
        const replica = this.byName(node);
        const versions = replica && (await ask(replica, () => replica.readVersionsMany(keyNames)));
        if (versions) held.set(node, versions);
      }),
    );

    const writes = new Map<string, { key: string; versions: StoredVersion[] }[]>();
    const repairedKeys = new Set<string>();
    let versionBytes = 0;
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
        policy,
      );
      for (const task of planReadRepair(answers, survivors)) {
        writes.set(task.node, [...(writes.get(task.node) ?? []), { key, versions: [...task.missing] }]);
      }
    }
    await Promise.all(
      [...writes].map(async ([node, items]) => {
        const replica = this.byName(node);
        if (!replica) return;
        sending(
          node,
          items.map((item) => item.key),
        );
        const done = await ask(replica, async () => {
          await replica.putVersionsMany(items, policy);
          return true;
        });
        if (!done) return;
        for (const { key, versions } of items) {
          repairedKeys.add(key);
          versionBytes += bytesOf(key, versions);
          this.options.emit('replica:repaired', { key, node, via: 'anti-entropy' });
        }
      }),
    );
    return { keysRepaired: repairedKeys.size, versionBytes };
  }

  private byName(node: string): ReplicaStore | undefined {
    return this.replicas.find((replica) => replica.name === node);
  }

  /** Each replica's byte counters, read twice in a row so the cost of reading them can be taken out. */
  private async wireReadings(
    ask: <T>(replica: ReplicaStore, read: () => Promise<T>) => Promise<T | undefined>,
  ): Promise<Map<string, { first: WireCounters; second: WireCounters }>> {
    const readings = new Map<string, { first: WireCounters; second: WireCounters }>();
    await Promise.all(
      this.replicas.map(async (replica) => {
        const first = await ask(replica, () => replica.wireCounters());
        const second = first && (await ask(replica, () => replica.wireCounters()));
        if (first && second) readings.set(replica.name, { first, second });
      }),
    );
    return readings;
  }

  /** Forgets tombstones every replica holds alone, once no hint is pending and the grace period has passed. */
  private async collectTombstones(): Promise<number> {
    const first = this.replicas[0];
    if (!first) return 0;
    // Candidates first: most rounds have none, and then the hint check (a read per replica pair) is skipped.
    const candidates = await first.tombstoneKeys(500);
    if (candidates.length === 0 || (await this.options.hasPendingHints())) return 0;
    let collected = 0;
    for (const key of candidates) {
      const held = await Promise.all(
        this.replicas.map((replica) => replica.readVersions(key).catch(() => undefined)),
      );
      const decision = decideTombstoneCollection({
        replicas: held,
        hasPendingHints: false,
        now: this.options.now(),
        graceMs: this.options.tombstoneGraceMs,
      });
      if (!decision.collect) continue;
      const dropped = await Promise.all(
        this.replicas.map((replica) => replica.dropTombstone(key, decision.versionId).catch(() => false)),
      );
      if (dropped.every(Boolean)) {
        collected += 1;
        this.options.emit('tombstone:collected', { key });
      }
    }
    return collected;
  }
}

/** Levels below the root read in the first request: down to about 64 keys per node, at most 8. */
function prefetchDepth(keys: number): number {
  return Math.max(0, Math.min(8, Math.floor(Math.log2(Math.max(1, keys) / 64))));
}

/** Per pair of replicas, the first leaf of each listed range where the two differ, for the live view. */
function pairsOf(
  listed: readonly { node: number; values: ReadonlyMap<string, string | null> }[],
  ranges: readonly { first: number; last: number }[],
): { a: string; b: string; ranges: number[] }[] {
  const nodes = [...(listed[0]?.values.keys() ?? [])];
  const pairs: { a: string; b: string; ranges: number[] }[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i] as string;
      const b = nodes[j] as string;
      pairs.push({
        a,
        b,
        ranges: listed.flatMap(({ values }, k) =>
          (values.get(a) ?? null) !== (values.get(b) ?? null) ? [ranges[k]?.first ?? 0] : [],
        ),
      });
    }
  }
  return pairs;
}

/**
 * What the round cost each replica: the counters' growth from before to after,
 * less what reading the counters cost (the growth between the two readings
 * taken back to back, counted once for each end).
 */
function wireBytes(
  before: ReadonlyMap<string, { first: WireCounters; second: WireCounters }>,
  after: ReadonlyMap<string, { first: WireCounters; second: WireCounters }>,
  isCompared: (name: string) => boolean,
): WireBytes {
  const replicas = [...before]
    .filter(([name]) => isCompared(name) && after.has(name))
    .map(([node, start]) => {
      const end = after.get(node) as { first: WireCounters; second: WireCounters };
      const overheadIn = start.second.inputBytes - start.first.inputBytes;
      const overheadOut = start.second.outputBytes - start.first.outputBytes;
      return {
        node,
        inputBytes: Math.max(0, end.first.inputBytes - start.second.inputBytes - overheadIn),
        outputBytes: Math.max(0, end.first.outputBytes - start.second.outputBytes - overheadOut),
      };
    });
  return {
    bytes: replicas.reduce((sum, replica) => sum + replica.inputBytes + replica.outputBytes, 0),
    replicas,
  };
}

function bytesOf(key: string, versions: readonly StoredVersion[]): number {
  return versions.reduce((sum, version) => {
    const { id, body } = encodeVersion(version);
    return sum + key.length + id.length + body.length;
  }, 0);
}

import { planExchange, treeOf } from './domain/anti-entropy.ts';
import { planReadRepair } from './domain/read-repair.ts';
import { decideTombstoneCollection } from './domain/tombstone-gc.ts';
import { resolve } from './domain/versioned-value.ts';
import type { StoredVersion } from './domain/versioned-value.ts';
import type { LiveEmit } from './realtime/events.ts';
import type { QuorumSettings } from './settings.ts';
import type { KeyDigest, ReplicaStore } from './store/replica-store.ts';
import { encodeVersion } from './store/version-codec.ts';

/** What one anti-entropy round found, repaired and cost. */
export interface AntiEntropyReport {
  readonly replicasCompared: string[];
  readonly replicasSkipped: string[];
  readonly depth: number;
  /** Tree nodes compared over every pair of replicas (each one hash exchanged). */
  readonly rangesCompared: number;
  /** Leaf ranges whose hashes differed in at least one pair. */
  readonly rangesDiffering: number;
  readonly keysRepaired: number;
  readonly tombstonesCollected: number;
  /** Hashes exchanged plus versions shipped: what the repair moved between replicas. */
  readonly bytesMoved: number;
  readonly hashBytes: number;
  readonly versionBytes: number;
  /** What copying the fullest replica to every other would have moved instead. */
  readonly fullCopyBytes: number;
}

export interface AntiEntropyOptions {
  readonly settings: () => QuorumSettings;
  readonly depth: number;
  readonly tombstoneGraceMs: number;
  readonly now: () => number;
  readonly hasPendingHints: () => Promise<boolean>;
  readonly emit: LiveEmit;
}

/**
 * Merkle anti-entropy across all replicas. The coordinator plays each
 * replica's part: it builds each replica's tree from that replica's digest
 * index (in Dynamo each node keeps its own tree), compares the trees pair by
 * pair, and moves only the versions of keys in ranges that differ.
 */
export class AntiEntropyService {
  runs = 0;
  keysRepaired = 0;
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

  /** The Merkle tree of one replica, for GET /merkle/{node}. */
  async tree(replica: ReplicaStore, depth: number) {
    const digests = await replica.readDigests();
    return {
      tree: treeOf({ node: replica.name, digests: digestStrings(digests) }, depth),
      keys: digests.size,
    };
  }

  private async round(): Promise<AntiEntropyReport> {
    const { depth, emit } = this.options;
    const policy = this.options.settings().conflictPolicy;
    const answered: { replica: ReplicaStore; digests: Map<string, KeyDigest> }[] = [];
    const skipped: string[] = [];
    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          answered.push({ replica, digests: await replica.readDigests() });
        } catch {
          skipped.push(replica.name);
        }
      }),
    );
    answered.sort((a, b) => this.replicas.indexOf(a.replica) - this.replicas.indexOf(b.replica));
    const plan = planExchange(
      answered.map(({ replica, digests }) => ({ node: replica.name, digests: digestStrings(digests) })),
      depth,
    );
    emit('merkle:compared', {
      depth,
      pairs: plan.pairs.map((pair) => ({ a: pair.a, b: pair.b, ranges: [...pair.ranges] })),
    });

    let versionBytes = 0;
    let keysRepaired = 0;
    for (const key of plan.keysToRepair) {
      const held = await Promise.all(
        answered.map(({ replica }) => replica.readVersions(key).catch(() => undefined)),
      );
      const answers = answered.flatMap(({ replica }, i) => {
        const versions = held[i];
        return versions ? [{ node: replica.name, versions }] : [];
      });
      const survivors = resolve(
        answers.flatMap((answer) => answer.versions),
        policy,
      );
      let isRepaired = false;
      for (const task of planReadRepair(answers, survivors)) {
        const replica = this.replicas.find((r) => r.name === task.node);
        if (!replica) continue;
        try {
          await replica.putVersions(key, task.missing, policy);
        } catch {
          continue;
        }
        versionBytes += bytesOf(key, task.missing);
        isRepaired = true;
        emit('replica:repaired', { key, node: task.node, via: 'anti-entropy' });
      }
      if (isRepaired) keysRepaired += 1;
    }

    const tombstonesCollected = skipped.length === 0 ? await this.collectTombstones() : 0;
    const fullest = Math.max(0, ...answered.map(({ digests }) => sumSizes(digests)));
    this.runs += 1;
    this.keysRepaired += keysRepaired;
    const report: AntiEntropyReport = {
      replicasCompared: answered.map(({ replica }) => replica.name),
      replicasSkipped: skipped.sort(),
      depth,
      rangesCompared: plan.pairs.reduce((sum, pair) => sum + pair.nodesCompared, 0),
      rangesDiffering: plan.differingRanges.length,
      keysRepaired,
      tombstonesCollected,
      bytesMoved: plan.hashBytes + versionBytes,
      hashBytes: plan.hashBytes,
      versionBytes,
      fullCopyBytes: fullest * Math.max(0, answered.length - 1),
    };
    emit('antientropy:finished', report);
    return report;
  }

  /** Forgets tombstones every replica holds alone, once no hint is pending and the grace period has passed. */
  private async collectTombstones(): Promise<number> {
    const first = this.replicas[0];
    if (!first || (await this.options.hasPendingHints())) return 0;
    let collected = 0;
    for (const key of await first.tombstoneKeys(500)) {
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

function digestStrings(digests: ReadonlyMap<string, KeyDigest>): Map<string, string> {
  return new Map([...digests].map(([key, entry]) => [key, entry.digest]));
}

function sumSizes(digests: ReadonlyMap<string, KeyDigest>): number {
  let total = 0;
  for (const [key, entry] of digests) total += key.length + entry.sizeBytes;
  return total;
}

function bytesOf(key: string, versions: readonly StoredVersion[]): number {
  return versions.reduce((sum, version) => {
    const { id, body } = encodeVersion(version);
    return sum + key.length + id.length + body.length;
  }, 0);
}

import { leavesUnder, treeDepth } from '../domain/incremental-merkle.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { QuorumSettings } from '../settings.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import type { AntiEntropyReport } from './anti-entropy-report.ts';
import { pairsOf } from './merkle-comparison.ts';
import type { MerkleComparison } from './merkle-comparison.ts';
import { descendTrees, prefetchDepth } from './merkle-descent.ts';
import { listRanges, mergeListings, repairListed } from './range-repair.ts';
import type { RangeListing } from './range-repair.ts';
import { RoundReplicas } from './round-replicas.ts';
import { collectTombstones, tombstoneCandidates } from './tombstone-collection.ts';
import { readTreeView } from './tree-view.ts';
import type { TreeView } from './tree-view.ts';
import { WireMeter, wireBytes } from './wire-bytes.ts';

export type { AntiEntropyReport, WireBytes } from './anti-entropy-report.ts';
export type { MerkleComparison } from './merkle-comparison.ts';
export type { TreeView } from './tree-view.ts';

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

/**
 * Merkle anti-entropy across all replicas. Each replica keeps its own tree
 * up to date as it writes (put-version.lua), so a round reads no digest index:
 * it compares the replicas' trees level by level from the root
 * (merkle-descent.ts), lists the keys of the differing ranges, and ships only
 * the versions some replica lacks (range-repair.ts).
 */
export class AntiEntropyService {
  runs = 0;
  keysRepaired = 0;
  /** The last round's report and comparison, for the live view's snapshot (null before the first). */
  last: { report: AntiEntropyReport; compared: MerkleComparison } | null = null;
  private running: Promise<AntiEntropyReport> | undefined;
  private readonly wireMeter = new WireMeter();
  /** The most keys a replica held at the last round's start: how deep the next round reads in its first request. */
  private lastKeys: number | undefined;

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
  tree(replica: ReplicaStore, depth: number): Promise<TreeView> {
    return readTreeView(replica, depth);
  }

  private async round(): Promise<AntiEntropyReport> {
    const { emit, now } = this.options;
    const trace = this.options.trace ?? (() => undefined);
    const from = this.options.coordinator ?? 'coordinator';
    const startedAt = now();
    const policy = this.options.settings().conflictPolicy;
    const round = new RoundReplicas(this.replicas);

    const before = await this.wireMeter.read(round);
    // Each replica's summary sizes the first request (how many levels it reads at once): the last round's
    // figure does, so the summary is read beside the descent instead of before it; the first round waits.
    const summariesRead = Promise.all(
      round.live().map((replica) => round.ask(replica, () => replica.readSummary())),
    );
    const mostKeys = (summaries: readonly ({ keys: number } | undefined)[]) =>
      Math.max(0, ...summaries.map((summary) => summary?.keys ?? 0));
    const prefetchLevels = prefetchDepth(this.lastKeys ?? mostKeys(await summariesRead));
    // Tombstone candidates are read beside the descent too: most rounds have none, and one found now is
    // checked on every replica after the repair anyway.
    // The keys under each node the descent lists are read as soon as it is found, beside the descent's
    // next request: the last level's hashes and the listing of the level above share a round trip.
    const listingsRead: Promise<RangeListing[]>[] = [];
    const [summaries, candidates, { listed, levels, rangesCompared }] = await Promise.all([
      summariesRead,
      tombstoneCandidates(this.replicas).catch(() => []),
      descendTrees(round, {
        prefetchLevels,
        trace,
        from,
        onListed: (nodes) =>
          listingsRead.push(
            listRanges(
              round,
              nodes.map(({ node, values }) => ({ range: leavesUnder(node, treeDepth), values })),
              { trace, from },
            ),
          ),
      }),
    ]);
    this.lastKeys = mostKeys(summaries);
    const ranges = listed.map(({ node }) => leavesUnder(node, treeDepth));
    const comparison: MerkleComparison = { depth: treeDepth, pairs: pairsOf(listed, ranges), levels };
    emit('merkle:compared', comparison);

    // The keys whose digests disagree in the listed ranges, repaired.
    const listings = mergeListings(round, await Promise.all(listingsRead));
    const { keysRepaired, versionBytes } = await repairListed(round, listings, {
      policy,
      emit,
      sending: (node, keys) =>
        trace([
          {
            from,
            to: node,
            kind: 'anti-entropy-repair',
            detail: { keys: keys.length, sample: keys.slice(0, 5) },
          },
        ]),
    });

    const tombstonesCollected =
      round.skippedNames().length === 0
        ? await collectTombstones(this.replicas, candidates, {
            hasPendingHints: this.options.hasPendingHints,
            now,
            graceMs: this.options.tombstoneGraceMs,
            emit,
          })
        : 0;
    const fullest = Math.max(0, ...summaries.map((summary) => summary?.bytes ?? 0));
    const after = await this.wireMeter.read(round);
    const wire = wireBytes(before, after, (name) => round.isLive(name));

    this.runs += 1;
    this.keysRepaired += keysRepaired;
    const compared = round.live().map((replica) => replica.name);
    const report: AntiEntropyReport = {
      replicasCompared: compared,
      replicasSkipped: round.skippedNames(),
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
}

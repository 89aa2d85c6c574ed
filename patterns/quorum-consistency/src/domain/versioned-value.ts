import {
  descends,
  fromJSON,
  increment,
  mergeAll,
  prune,
  reconcile,
  toJSON,
} from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';

/** How replicas settle two versions of a key. */
export type ConflictPolicy = 'vector-clock' | 'lww';

/**
 * One version of a key as a replica stores it. A delete is a version too (a
 * tombstone): it must replicate and win like a write, or an old copy on a
 * replica that missed the delete would bring the value back.
 */
export interface StoredVersion {
  /** Null for a tombstone. */
  readonly value: string | null;
  readonly isTombstone: boolean;
  readonly clock: VectorClock;
  /** The coordinator's wall clock when written, in ms: only last-write-wins reads it. */
  readonly writtenAt: number;
  /** The coordinator that wrote it: last-write-wins breaks timestamp ties with it. */
  readonly writer: string;
}

/** Ids already written out, by clock object: clocks are immutable, and a repair asks for each id several times. */
const ids = new WeakMap<VectorClock, string>();

/** A version's identity: its clock as canonical JSON (keys sorted), so equal clocks name the same write. */
export function versionId(clock: VectorClock): string {
  let id = ids.get(clock);
  if (id === undefined) {
    id = JSON.stringify(toJSON(clock));
    ids.set(clock, id);
  }
  return id;
}

/** Reads a version id back into its clock; throws InvalidVectorClockError on garbage. */
export function clockOfVersionId(id: string): VectorClock {
  return fromJSON(JSON.parse(id));
}

/**
 * The clock of a new write coordinated by `actor`. It starts from the causal
 * context the client read (so it supersedes exactly what the client saw),
 * lifts the actor's own counter to the highest it has handed out for this key
 * (so no two writes ever get equal clocks, the kit's rule), then counts one
 * more write by `actor`. Pruning right after the increment keeps the new
 * entry, which is the newest, so a pruned clock can only cause false siblings.
 */
export function nextClock(input: {
  readonly context: VectorClock;
  readonly actor: string;
  /** The highest counter `actor` has issued for this key so far (0 if none). */
  readonly highWater: number;
  readonly maxEntries: number;
}): VectorClock {
  const { context, actor, highWater, maxEntries } = input;
  const lifted =
    highWater > 0
      ? mergeAll([context, fromJSON({ [actor]: { counter: highWater, timestamp: 0 } })])
      : context;
  return prune(increment(lifted, actor), maxEntries);
}

/** Last-write-wins order: the later timestamp, then the writer's name, then the clock text, so every replica picks alike. */
export function isLwwNewer(a: StoredVersion, b: StoredVersion): boolean {
  if (a.writtenAt !== b.writtenAt) return a.writtenAt > b.writtenAt;
  if (a.writer !== b.writer) return a.writer > b.writer;
  return versionId(a.clock) > versionId(b.clock);
}

/**
 * The versions that survive when `versions` meet (on a read, a repair or a
 * replica's store). Under vector clocks: every version no other descends from,
 * so concurrent writes stay as siblings. Under last-write-wins: the single
 * newest by timestamp, and concurrent writes are silently dropped.
 */
export function resolve(
  versions: readonly StoredVersion[],
  policy: ConflictPolicy,
): readonly StoredVersion[] {
  if (policy === 'vector-clock') return reconcile(versions);
  let newest: StoredVersion | undefined;
  for (const version of versions) if (!newest || isLwwNewer(version, newest)) newest = version;
  return newest ? [newest] : [];
}

/** The causal context to hand a reader: the merge of every surviving clock, so a write with it supersedes them all. */
export function contextOf(survivors: readonly StoredVersion[]): VectorClock {
  return mergeAll(survivors.map((version) => version.clock));
}

/** True when `version` is `ancestor` or has seen it: the write `ancestor` is not lost in it. */
export function supersedes(version: VectorClock, ancestor: VectorClock): boolean {
  return descends(version, ancestor);
}

/** The highest counter `actor` has in any of the versions: where its next write must start above. */
export function highestCounterOf(actor: string, versions: readonly StoredVersion[]): number {
  return Math.max(0, ...versions.map((version) => version.clock[actor]?.counter ?? 0));
}

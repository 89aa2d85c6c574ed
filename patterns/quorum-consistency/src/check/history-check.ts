import type { CheckVerdict, Operation } from '@kvs-lab/shared/history';
import { descends } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';

/**
 * The checkers behind `GET /check`. The first promise, in plain words: a read that
 * began after a write was acknowledged returns that write, or a sibling set
 * that contains it, or a version that causally supersedes it (a later write or
 * delete made with its context). A delete is also satisfied by a key that is
 * gone altogether (its tombstone collected).
 *
 * With W + R > N and strict quorums this holds; with W + R <= N a read can
 * miss the write (a stale read), and under last-write-wins a concurrent write
 * can erase it (a lost write): the checker names the first such read.
 */

export interface KvOperationInput {
  readonly key: string;
  /** For writes: whether it was a delete. */
  readonly isDelete?: boolean;
  /** The quorum settings the coordinator used, to explain a violation. */
  readonly n: number;
  readonly w: number;
  readonly r: number;
  readonly policy: string;
}

/** A write's output is its own clock; a read's is the clocks of every version it returned (tombstones too). */
export interface KvOperationOutput {
  readonly clocks: readonly VectorClock[];
}

/** One recorded read or write, as the kit's history holds it, named by the coordinator that served it. */
export type KvOperation = Operation<KvOperationInput, KvOperationOutput> & {
  /** The coordinator that served it, when histories of several are checked together. */
  readonly coordinator?: string;
};

interface AckedWrite {
  readonly op: KvOperation;
  readonly clock: VectorClock;
}

/** Checks the promise key by key; reads and writes are matched by real time (completion before invocation). */
export function checkKvHistory(operations: readonly KvOperation[]): CheckVerdict {
  const done = operations.filter((op) => op.outcome === 'ok' && op.output && op.completedAt !== undefined);
  const keys = new Set(done.map((op) => op.input.key));
  let writes = 0;
  let reads = 0;
  for (const key of keys) {
    const ofKey = done.filter((op) => op.input.key === key);
    const acked = ofKey
      .filter((op) => op.kind === 'write' && op.output?.clocks[0] !== undefined)
      .map((op) => ({ op, clock: op.output?.clocks[0] as VectorClock }))
      .sort((a, b) => (a.op.completedAt ?? 0) - (b.op.completedAt ?? 0));
    const keyReads = ofKey.filter((op) => op.kind === 'read').sort((a, b) => a.invokedAt - b.invokedAt);
    writes += acked.length;
    reads += keyReads.length;
    // The acknowledged writes no other acknowledged write has superseded yet: what a read must reflect.
    let frontier: AckedWrite[] = [];
    let next = 0;
    for (const read of keyReads) {
      while (next < acked.length && (acked[next]?.op.completedAt ?? Infinity) < read.invokedAt) {
        frontier = addToFrontier(frontier, acked[next] as AckedWrite);
        next += 1;
      }
      const returned = read.output?.clocks ?? [];
      for (const write of frontier) {
        const isReflected =
          returned.some((clock) => descends(clock, write.clock)) ||
          (write.op.input.isDelete === true && returned.length === 0);
        if (!isReflected) return violation(key, write.op, read);
      }
    }
  }
  return {
    valid: true,
    summary:
      `Checked ${writes} acknowledged writes and ${reads} reads over ${keys.size} keys: every read that began ` +
      'after a write was acknowledged returned it, a sibling set containing it, or a version that supersedes it.',
  };
}

/** How a message names an operation: `#12`, or `quorum-b#12` when several histories are merged. */
const label = (op: KvOperation): string => `${op.coordinator ?? ''}#${op.id}`;

function addToFrontier(frontier: readonly AckedWrite[], write: AckedWrite): AckedWrite[] {
  if (frontier.some((kept) => descends(kept.clock, write.clock))) return [...frontier];
  return [...frontier.filter((kept) => !descends(write.clock, kept.clock)), write];
}

function violation(key: string, write: KvOperation, read: KvOperation): CheckVerdict {
  const { n, w, r, policy } = read.input;
  const why =
    policy === 'lww'
      ? 'Under last-write-wins a concurrent write with a later timestamp erases it: a lost write.'
      : w + r > n
        ? 'The quorums overlapped (W + R > N), so a replica that held it was missed or lost it: look for a sloppy quorum, a flushed replica or a collected tombstone.'
        : `W=${w} + R=${r} <= N=${n}: the read quorum need not include a replica that took the write, so this is a stale read.`;
  return {
    valid: false,
    summary: `Read ${label(read)} of "${key}" began after ${write.input.isDelete ? 'delete' : 'write'} ${label(write)} was acknowledged but returned neither it nor anything that supersedes it. ${why}`,
    firstViolation: {
      key,
      write: { id: label(write), completedAt: write.completedAt, clock: write.output?.clocks[0] },
      read: { id: label(read), invokedAt: read.invokedAt, clocks: read.output?.clocks, n, w, r, policy },
    },
  };
}

/** What the replicas hold for a key right now: every version's clock, or undefined when a replica did not answer. */
export type CurrentClocks = ReadonlyMap<string, readonly VectorClock[] | undefined>;

/**
 * The second promise: nothing acknowledged is lost. Every acknowledged write
 * is still present on some replica (as a value or a sibling, or inside a
 * version that descends from it), or it is an ancestor of another
 * acknowledged write; a delete also holds when the key is gone everywhere. A key whose replicas did not all answer is skipped:
 * its write may sit on the one that is down.
 */
export function checkDurability(operations: readonly KvOperation[], current: CurrentClocks): CheckVerdict {
  const acked = operations.filter(
    (op) => op.kind === 'write' && op.outcome === 'ok' && op.output?.clocks[0] !== undefined,
  );
  let checked = 0;
  let skipped = 0;
  for (const write of acked) {
    const clock = write.output?.clocks[0] as VectorClock;
    const held = current.get(write.input.key);
    if (held === undefined) {
      skipped += 1;
      continue;
    }
    checked += 1;
    // A collected tombstone leaves nothing behind: for a delete, "gone everywhere" is the delete still holding.
    const isPresent =
      held.some((version) => descends(version, clock)) ||
      (write.input.isDelete === true && held.length === 0);
    const isSuperseded = acked.some((other) => {
      const later = other.output?.clocks[0] as VectorClock;
      return (
        other !== write &&
        other.input.key === write.input.key &&
        descends(later, clock) &&
        !descends(clock, later)
      );
    });
    if (!isPresent && !isSuperseded) {
      return {
        valid: false,
        summary:
          `${write.input.isDelete ? 'Delete' : 'Write'} ${label(write)} of "${write.input.key}" was acknowledged, but no replica holds it or anything that descends from it, and no acknowledged write supersedes it: a lost write.` +
          (write.input.policy === 'lww'
            ? ' Last-write-wins dropped it for a concurrent write with a later timestamp.'
            : ''),
        firstViolation: { key: write.input.key, write: { id: label(write), clock }, heldNow: held },
      };
    }
  }
  return {
    valid: true,
    summary:
      `Every one of ${checked} acknowledged writes is still held by a replica or superseded by a later acknowledged write` +
      (skipped > 0 ? ` (${skipped} skipped: a replica holding their key did not answer).` : '.'),
  };
}

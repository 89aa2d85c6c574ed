import { isServingReplica } from './failover-rule.ts';
import type { RoleReport } from './failover-rule.ts';

/**
 * Bounded staleness for reads on a replica, from periodic probes rather than a question per read.
 *
 * A probe first asks the master its replication offset M (at instant t), then asks the replica its own
 * offset R. Every write the master acknowledged before t sits in its replication stream before M, and a
 * replica linked to that master applies the stream in order and never goes back. So once a replica
 * reports R >= M, it holds every write acknowledged before t, now and at any later read: t is how far its
 * data is *covered*. A read at instant `now` may then miss only writes acknowledged after the coverage,
 * i.e. it is stale by at most `now - coveredUntil`; the router serves it from the replica only while that
 * is within the bound, and from the master otherwise.
 *
 * Offsets compare only within one replication history, so coverage advances only on a probe that found
 * the replica linked (`master_link_status:up`) to the shard's current master. It is dropped when a probe
 * finds the node unreachable or no longer that master's replica (a restart may have brought back older
 * data; an old master back from the dead has its own history). A process that restarted between two
 * probes drops the router's connection to it: coverage holds only for the connection the probe used, so
 * such a node is not read until a probe on the new connection. Any other change of role between probes
 * (a REPLICAOF sent by someone else) is seen at the next probe.
 */

/** The master's offset, with the instant the router asked for it (before the answer, so it is a lower bound). */
export interface MasterMark {
  readonly askedAt: number;
  readonly offset: number;
}

/** What one probe of a shard found. */
export interface LagProbe {
  readonly master: string;
  readonly replica: string;
  /** `host:port` of the shard's master, the one its replica must follow. */
  readonly masterAddress: string;
  /** The replication-pause fault points the replica elsewhere on purpose: it still serves what it has. */
  readonly isReplicationPaused: boolean;
  /** undefined when the master did not answer or no longer says master. */
  readonly mark: MasterMark | undefined;
  /** The replica's answer, asked after the master's; unreachable when it did not answer. */
  readonly replicaReport: RoleReport;
  readonly replicaOffset: number | undefined;
  readonly replicaLink: string | undefined;
  /** Which of the router's connections to the replica answered (a count of its reconnections). */
  readonly replicaSession: number;
}

/** A shard's replica as the probes know it. */
export interface ReplicaFreshness {
  readonly master: string;
  readonly replica: string;
  /** The master's recent offsets, oldest first: a replica a little behind is matched to an older one. */
  readonly marks: readonly MasterMark[];
  readonly replicaOffset: number | undefined;
  readonly replicaLink: string | undefined;
  readonly replicaSession: number;
  /** Every write acknowledged before this instant is on the replica; undefined: nothing is known. */
  readonly coveredUntil: number | undefined;
}

/** How many master offsets a shard keeps: at a probe every 100 ms, the last 1.6 s. */
export const keptMarks = 16;

/** The shard's freshness after one more probe (`previous` of another master or replica is ignored). */
export function observeProbe(previous: ReplicaFreshness | undefined, probe: LagProbe): ReplicaFreshness {
  const same = previous?.master === probe.master && previous.replica === probe.replica ? previous : undefined;
  const lastMark = same?.marks.at(-1);
  // An offset that went back is a new history (a master restarted): its older offsets compare to nothing.
  const isNewHistory =
    probe.mark !== undefined && lastMark !== undefined && probe.mark.offset < lastMark.offset;
  const earlier = isNewHistory ? [] : (same?.marks ?? []);
  const marks = [...earlier, ...(probe.mark ? [probe.mark] : [])].slice(-keptMarks);
  const isServing = isServingReplica(probe.replicaReport, probe.masterAddress, probe.isReplicationPaused);
  const base = {
    master: probe.master,
    replica: probe.replica,
    marks,
    replicaOffset: probe.replicaOffset,
    replicaLink: probe.replicaLink,
    replicaSession: probe.replicaSession,
  };
  if (!isServing || probe.replicaOffset === undefined) return { ...base, coveredUntil: undefined };
  // Linked to a master whose stream it may lag, or cut off from it: either way it keeps what it has.
  const kept = same?.replicaSession === probe.replicaSession ? same.coveredUntil : undefined;
  if (probe.replicaLink !== 'up') return { ...base, coveredUntil: kept };
  const replicaOffset = probe.replicaOffset;
  const reached = marks.filter((m) => m.offset <= replicaOffset).at(-1)?.askedAt;
  return { ...base, coveredUntil: latest(kept, reached) };
}

function latest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * Whether a read at `now`, on the connection `replicaSession`, may be served by the replica: only on the
 * connection the probe used, and while its staleness is within the bound.
 */
export function replicaReadVerdict(
  freshness: ReplicaFreshness | undefined,
  read: { readonly now: number; readonly replicaSession: number },
  maxStalenessMs: number,
): { readonly isServed: true; readonly stalenessMs: number } | { readonly isServed: false } {
  const covered = freshness?.coveredUntil;
  if (covered === undefined || freshness?.replicaSession !== read.replicaSession) return { isServed: false };
  const now = read.now;
  const stalenessMs = Math.max(0, now - covered);
  return stalenessMs <= maxStalenessMs ? { isServed: true, stalenessMs } : { isServed: false };
}

/** The replica's lag in bytes behind the master's latest known offset; undefined when either is unknown. */
export function lagBytes(freshness: ReplicaFreshness): number | undefined {
  const master = freshness.marks.at(-1)?.offset;
  const replica = freshness.replicaOffset;
  return master === undefined || replica === undefined ? undefined : Math.max(0, master - replica);
}

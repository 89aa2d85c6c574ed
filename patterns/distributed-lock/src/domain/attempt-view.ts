import type { AcquireVote } from './acquire-votes.ts';
import type { LeaseReply } from './lease-replies.ts';
import type { RaiseReply } from './quorum-counter.ts';

/**
 * What the live view and the trace show of one acquire attempt: each node's
 * vote and how the attempt ended. Pure: the engines build these from the
 * replies they got, and decide with `isNewPicture` which ones are worth showing.
 */
export type VoteKind = 'granted' | 'held' | 'queued' | 'recovering' | 'unreachable';

export interface AttemptVote {
  readonly node: string;
  readonly vote: VoteKind;
}

export type AttemptOutcome = 'granted' | 'held' | 'queued' | 'unavailable' | 'too-slow';

export interface AttemptSummary {
  readonly resource: string;
  readonly owner: string;
  readonly instance: string;
  readonly outcome: AttemptOutcome;
  readonly votes: readonly AttemptVote[];
  /** Votes a lease needs (3 of 5 for Redlock, the cluster's own answer for etcd: 1 of 1). */
  readonly needed: number;
  readonly fencingToken: number | null;
  readonly atMs: number;
}

/** One protocol message for the trace: who sent it to whom, in the protocol's words. */
export interface ProtocolMessage {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly detail?: unknown;
}

export const votesOf = (votes: readonly AcquireVote[]): AttemptVote[] =>
  votes.map((v) => ({ node: v.node, vote: v.kind }));

/**
 * A waiter retries every few milliseconds with the same answer from every node;
 * drawing (and tracing) each retry would bury the one that changed something.
 * An attempt is worth showing when it is the first, ends differently, or a node voted differently.
 */
export function isNewPicture(
  previous: { outcome: AttemptOutcome; votes: readonly AttemptVote[] } | undefined,
  next: { outcome: AttemptOutcome; votes: readonly AttemptVote[] },
): boolean {
  if (!previous || previous.outcome !== next.outcome || next.outcome === 'granted') return true;
  const before = new Map(previous.votes.map((v) => [v.node, v.vote]));
  return next.votes.some((v) => before.get(v.node) !== v.vote) || before.size !== next.votes.length;
}

/**
 * An acquire fan-out as messages: the request to each node (`sentTo`, by default the nodes that
 * voted), then each node's vote back. An attempt answered early records its late votes apart.
 */
export function acquireMessages(
  instance: string,
  request: { resource: string; owner: string; ticket?: number },
  votes: readonly AcquireVote[],
  sentTo: readonly string[] = votes.map((v) => v.node),
): ProtocolMessage[] {
  const requests = sentTo.map((node) => ({ from: instance, to: node, kind: 'acquire', detail: request }));
  const replies = votes.map((v) => ({
    from: v.node,
    to: instance,
    kind: `vote-${v.kind}`,
    detail:
      v.kind === 'held'
        ? { resource: request.resource, holder: v.holderOwner, ttlMs: v.holderTtlMs }
        : v.kind === 'queued'
          ? { resource: request.resource, headWaiter: v.headWaiter }
          : v.kind === 'unreachable'
            ? { resource: request.resource, reason: v.reason }
            : { resource: request.resource },
  }));
  return [...requests, ...replies];
}

/** A release or extend fan-out as messages: `released` / `extended`, `not-ours`, `unreachable`. */
export function leaseMessages(
  instance: string,
  kind: 'release' | 'extend',
  resource: string,
  replies: readonly LeaseReply[],
): ProtocolMessage[] {
  const done = kind === 'release' ? 'released' : 'extended';
  return [
    ...replies.map((r) => ({ from: instance, to: r.node, kind, detail: { resource } })),
    ...replies.map((r) => ({
      from: r.node,
      to: instance,
      kind: r.kind === 'applied' ? done : r.kind,
      detail: { resource },
    })),
  ];
}

/** One write-back round of a quorum counter (fencing token or queue ticket) as messages. */
export function raiseMessages(
  instance: string,
  round: { counter: 'fencing' | 'ticket'; resource: string; proposed: number },
  replies: readonly RaiseReply[],
): ProtocolMessage[] {
  const { counter, resource, proposed } = round;
  return [
    ...replies.map((r) => ({
      from: instance,
      to: r.node,
      kind: `${counter}-raise`,
      detail: { resource, proposed },
    })),
    ...replies.map((r) => ({
      from: r.node,
      to: instance,
      kind: r.kind === 'behind' ? 'counter-behind' : `counter-${r.kind}`,
      detail: r.kind === 'behind' ? { resource, proposed, current: r.current } : { resource, proposed },
    })),
  ];
}

import { tallyAcquireVotes } from '../../domain/acquire-votes.ts';
import type { AcquireDecision, AcquireVote } from '../../domain/acquire-votes.ts';
import { foldedToken, highestCounterSeen, isAcquireSettled } from '../../domain/fenced-grant.ts';
import { acquireMessages, isNewPicture, leaseMessages, votesOf } from '../../domain/attempt-view.ts';
import type { AttemptOutcome, AttemptSummary } from '../../domain/attempt-view.ts';
import { quorumSize, validityMs } from '../../domain/quorum.ts';
import { keys } from '../../store/keys.ts';
import { issueFencingToken } from './fencing-counter.ts';
import { announcement } from './redlock-context.ts';
import type { RedlockContext } from './redlock-context.ts';

export type AttemptResult =
  | {
      kind: 'granted';
      token: string;
      fencingToken: number;
      /** What was left of the lease at `measuredAtMs` (monotonic): it keeps running down after. */
      validityMs: number;
      measuredAtMs: number;
      nodes: readonly string[];
      /** Nodes that answered without granting: a waiter may still be registered there. */
      refusedBy: readonly string[];
    }
  | Exclude<AcquireDecision, { kind: 'granted' }>
  | { kind: 'too-slow'; elapsedMs: number };

/** The last attempt of one caller that was shown: its retries are shown only when something changed. */
export interface Shown {
  last?: AttemptSummary;
}

/** Shows an attempt in the live view (and its messages in the trace) when it is news. */
function show(
  ctx: RedlockContext,
  shown: Shown,
  attempt: Omit<AttemptSummary, 'outcome' | 'fencingToken' | 'atMs'>,
  outcome: AttemptOutcome,
): boolean {
  const summary: AttemptSummary = { ...attempt, outcome, fencingToken: null, atMs: ctx.clock.nowMs() };
  if (!isNewPicture(shown.last, summary)) return false;
  shown.last = summary;
  return true;
}

/**
 * One Redlock round: every node votes, a majority grants, and the nodes that
 * said yes to a failed attempt are released at once (held minority locks
 * would block every other caller until their TTL). The fencing token rides on
 * the votes (domain/fenced-grant.ts): when a majority granted and raised the
 * proposal, the attempt is answered without waiting for the other nodes; else
 * every vote is awaited and a write-back round issues the token.
 */
export async function attempt(
  ctx: RedlockContext,
  request: { resource: string; ttlMs: number; owner: string },
  shown: Shown,
  waiter?: { member: string; ticket: number },
): Promise<AttemptResult> {
  const { resource, ttlMs, owner } = request;
  const { config, nodes, clock } = ctx;
  const token = ctx.newId();
  const started = clock.monotonicMs();
  const fencingKey = keys.fencing(resource);
  const proposed = ctx.counters.proposal(fencingKey);
  const round = nodes.acquire(
    {
      resource,
      token,
      ttlMs,
      owner,
      instance: config.instance,
      ...(waiter ? { waiter } : {}),
      queueLeaseMs: config.queueLeaseMs,
      restartDelayMs: config.restartDelayMs,
      proposedFencingToken: proposed,
    },
    (votes, pending) => isAcquireSettled(votes, pending, proposed, nodes.size),
  );
  const votes = await round.settled;
  ctx.counters.saw(fencingKey, highestCounterSeen(votes));
  const decision = tallyAcquireVotes(votes, nodes.size);
  const folded = foldedToken(votes, proposed, nodes.size);
  if (decision.kind === 'granted' && folded !== null) {
    ctx.counters.saw(fencingKey, folded);
    ctx.trace.lazily(nodes.size + votes.length, () =>
      acquireMessages(config.instance, traced(request, waiter), votes, nodes.names),
    );
    const elapsedMs = clock.monotonicMs() - started;
    const validity = validityMs({ ttlMs, elapsedMs, driftFactor: config.driftFactor });
    void round.all.then((all) =>
      afterLateVotes(
        ctx,
        { resource, owner, token, waiter },
        shown,
        all,
        votes.map((v) => v.node),
        validity > 0 ? folded : null,
      ),
    );
    if (validity <= 0) {
      await nodes.withdraw(resource, token, announcement(ctx));
      return { kind: 'too-slow', elapsedMs };
    }
    return {
      kind: 'granted',
      token,
      fencingToken: folded,
      validityMs: validity,
      measuredAtMs: clock.monotonicMs(),
      nodes: decision.grantedBy,
      refusedBy: refusedBy(votes),
    };
  }
  const summary = summaryOf(ctx, request, votes);
  const first = firstOutcome(decision.kind, votes);
  const isShown = show(ctx, shown, summary, first);
  if (isShown) {
    ctx.trace.lazily(2 * votes.length, () =>
      acquireMessages(config.instance, traced(request, waiter), votes),
    );
  }
  const finish = (outcome: AttemptOutcome, fencingToken: number | null = null) => {
    if (isShown) ctx.emit('lock:attempt', { ...summary, outcome, fencingToken, atMs: clock.nowMs() });
  };
  const releaseAgain = async (only?: readonly string[]) => {
    const replies = await nodes.withdraw(resource, token, announcement(ctx), only);
    if (isShown) {
      ctx.trace.lazily(2 * replies.length, () =>
        leaseMessages(config.instance, 'release', resource, replies),
      );
    }
  };
  if (decision.kind !== 'granted') {
    if (decision.grantedBy.length > 0) await releaseAgain(decision.grantedBy);
    finish(first);
    return decision;
  }
  // The proposal fell short of a majority: every counter the votes reported, and the proposal, are below the token.
  const floor = Math.max(
    decision.fencingFloor,
    votes.some((v) => v.kind === 'granted' && v.raised === true) ? proposed : 0,
  );
  const fencing = await issueFencingToken(ctx, { resource, token }, floor);
  if (fencing.kind === 'lapsed') {
    await releaseAgain();
    finish('too-slow');
    return { kind: 'too-slow', elapsedMs: clock.monotonicMs() - started };
  }
  if (fencing.kind !== 'issued') {
    await releaseAgain();
    finish('unavailable');
    return { ...fencing, grantedBy: [] };
  }
  const elapsedMs = clock.monotonicMs() - started;
  const validity = validityMs({ ttlMs, elapsedMs, driftFactor: config.driftFactor });
  if (validity <= 0) {
    await releaseAgain();
    finish('too-slow');
    return { kind: 'too-slow', elapsedMs };
  }
  finish('granted', fencing.value);
  return {
    kind: 'granted',
    token,
    fencingToken: fencing.value,
    validityMs: validity,
    measuredAtMs: clock.monotonicMs(),
    nodes: decision.grantedBy,
    refusedBy: refusedBy(votes),
  };
}

const refusedBy = (votes: readonly AcquireVote[]): string[] =>
  votes.filter((v) => v.kind !== 'granted').map((v) => v.node);

function summaryOf(
  ctx: RedlockContext,
  request: { resource: string; owner: string },
  votes: readonly AcquireVote[],
): Omit<AttemptSummary, 'outcome' | 'fencingToken' | 'atMs'> {
  return {
    resource: request.resource,
    owner: request.owner,
    instance: ctx.config.instance,
    votes: votesOf(votes),
    needed: quorumSize(ctx.nodes.size),
  };
}

function firstOutcome(kind: AcquireDecision['kind'], votes: readonly AcquireVote[]): AttemptOutcome {
  if (kind === 'granted') return 'granted';
  if (kind === 'quorum-unavailable') return 'unavailable';
  return votes.some((v) => v.kind === 'queued') && !votes.some((v) => v.kind === 'held') ? 'queued' : 'held';
}

/** What the trace says an acquire asked for. */
function traced(
  request: { resource: string; owner: string },
  waiter: { member: string; ticket: number } | undefined,
): { resource: string; owner: string; ticket?: number } {
  return { resource: request.resource, owner: request.owner, ...(waiter ? { ticket: waiter.ticket } : {}) };
}

/**
 * Once every node voted on an attempt answered early: the trace gets the late
 * votes, the live view the whole row, and late grants of an attempt that
 * turned out too slow are withdrawn again.
 */
function afterLateVotes(
  ctx: RedlockContext,
  attempt: {
    resource: string;
    owner: string;
    token: string;
    waiter: { member: string; ticket: number } | undefined;
  },
  shown: Shown,
  votes: readonly AcquireVote[],
  answered: readonly string[],
  fencingToken: number | null,
): void {
  const { resource, token, waiter } = attempt;
  const lateVotes = votes.filter((v) => !answered.includes(v.node));
  if (lateVotes.length > 0) {
    ctx.trace.lazily(lateVotes.length, () =>
      acquireMessages(ctx.config.instance, traced(attempt, waiter), lateVotes, []),
    );
  }
  const summary = summaryOf(ctx, attempt, votes);
  const outcome: AttemptOutcome = fencingToken === null ? 'too-slow' : 'granted';
  if (show(ctx, shown, summary, outcome)) {
    ctx.emit('lock:attempt', { ...summary, outcome, fencingToken, atMs: ctx.clock.nowMs() });
  }
  // A lease handed out is cleaned by its release, which every node runs after this vote (same connection),
  // or by its TTL. Only an attempt that handed out nothing takes its late grants back here.
  const late = lateVotes.filter((v) => v.kind === 'granted').map((v) => v.node);
  if (late.length > 0 && fencingToken === null) {
    void ctx.nodes.withdraw(resource, token, announcement(ctx), late);
  }
  // A granted waiter leaves the queue where a late vote did not grant (a grant removed it already).
  const stillQueued = refusedBy(lateVotes);
  if (waiter && fencingToken !== null && stillQueued.length > 0) {
    void ctx.nodes.dequeue(resource, waiter.member, stillQueued);
  }
}

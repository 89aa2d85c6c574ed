import { tallyAcquireVotes } from '../../domain/acquire-votes.ts';
import type { AcquireDecision } from '../../domain/acquire-votes.ts';
import { acquireMessages, isNewPicture, leaseMessages, votesOf } from '../../domain/attempt-view.ts';
import type { AttemptOutcome, AttemptSummary } from '../../domain/attempt-view.ts';
import { quorumSize, validityMs } from '../../domain/quorum.ts';
import { keys } from '../../store/keys.ts';
import { issueCounter } from './fencing-counter.ts';
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
 * would block every other caller until their TTL).
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
  const votes = await nodes.acquire({
    resource,
    token,
    ttlMs,
    owner,
    instance: config.instance,
    ...(waiter ? { waiter } : {}),
    queueLeaseMs: config.queueLeaseMs,
    restartDelayMs: config.restartDelayMs,
  });
  const decision = tallyAcquireVotes(votes, nodes.size);
  const summary = {
    resource,
    owner,
    instance: config.instance,
    votes: votesOf(votes),
    needed: quorumSize(nodes.size),
  };
  const first: AttemptOutcome =
    decision.kind === 'granted'
      ? 'granted'
      : decision.kind === 'quorum-unavailable'
        ? 'unavailable'
        : votes.some((v) => v.kind === 'queued') && !votes.some((v) => v.kind === 'held')
          ? 'queued'
          : 'held';
  const isShown = show(ctx, shown, summary, first);
  if (isShown) {
    ctx.trace(
      acquireMessages(
        config.instance,
        { resource, owner, ...(waiter ? { ticket: waiter.ticket } : {}) },
        votes,
      ),
    );
  }
  const finish = (outcome: AttemptOutcome, fencingToken: number | null = null) => {
    if (isShown) ctx.emit('lock:attempt', { ...summary, outcome, fencingToken, atMs: clock.nowMs() });
  };
  const releaseAgain = async (only?: readonly string[]) => {
    const replies = await nodes.release(resource, token, announcement(ctx), only);
    if (isShown) ctx.trace(leaseMessages(config.instance, 'release', resource, replies));
  };
  if (decision.kind !== 'granted') {
    if (decision.grantedBy.length > 0) await releaseAgain(decision.grantedBy);
    finish(first);
    return decision;
  }
  const fencing = await issueCounter(
    ctx,
    keys.fencing(resource),
    { resource, token },
    resource,
    decision.fencingFloor,
  );
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
  };
}

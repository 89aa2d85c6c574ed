import { proposeNext, tallyRaise, tallyRaiseAtLeast } from '../../domain/quorum-counter.ts';
import type { RaiseDecision } from '../../domain/quorum-counter.ts';
import { raiseMessages } from '../../domain/attempt-view.ts';
import { quorumSize } from '../../domain/quorum.ts';
import { keys } from '../../store/keys.ts';
import type { RedlockContext } from './redlock-context.ts';

export type CounterResult =
  | { kind: 'issued'; value: number }
  | { kind: 'quorum-unavailable'; reachable: number; needed: number; grantedBy: readonly string[] };

// Only a broken exclusion makes two callers race for one fencing token; a few rounds settle it.
const maxCounterRounds = 10;

/**
 * The write-back rounds of the quorum counter (domain/quorum-counter.ts): raise
 * `proposed` on every node until a majority took it, above what the nodes hold.
 */
async function raiseUntilIssued(
  ctx: RedlockContext,
  counterKey: string,
  lease: { resource: string; token: string } | null,
  resource: string,
  first: number,
): Promise<Exclude<RaiseDecision, { kind: 'retry' }>> {
  const { nodes } = ctx;
  let proposed = first;
  for (let round = 0; round < maxCounterRounds; round++) {
    const replies = await nodes.raiseCounter(counterKey, proposed, lease ?? undefined);
    ctx.trace.lazily(2 * replies.length, () =>
      raiseMessages(
        ctx.config.instance,
        { counter: lease ? 'fencing' : 'ticket', resource, proposed },
        replies,
      ),
    );
    const decision = lease
      ? tallyRaise(proposed, replies, nodes.size)
      : tallyRaiseAtLeast(proposed, replies, nodes.size);
    if (decision.kind !== 'retry') return decision;
    proposed = decision.next;
  }
  return { kind: 'quorum-unavailable', reachable: nodes.size, needed: quorumSize(nodes.size) };
}

/**
 * The fencing token when the acquire round trip could not issue it (domain/fenced-grant.ts):
 * one above `floor` (every counter the votes reported), raised on the nodes that hold our lease.
 */
export async function issueFencingToken(
  ctx: RedlockContext,
  lease: { resource: string; token: string },
  floor: number,
): Promise<CounterResult | { kind: 'lapsed' }> {
  const decision = await raiseUntilIssued(
    ctx,
    keys.fencing(lease.resource),
    lease,
    lease.resource,
    proposeNext([floor]),
  );
  if (decision.kind === 'issued') ctx.counters.saw(keys.fencing(lease.resource), decision.value);
  return decision.kind === 'quorum-unavailable' ? { ...decision, grantedBy: [] } : decision;
}

/** A queue ticket, and whether the round that issued it also registered the waiter. */
export type TicketResult =
  | {
      kind: 'issued';
      value: number;
      /** Registered with it on a majority (the first round); else the first vote registers it. */
      isRegistered: boolean;
      /** A majority would grant it now: free there, and it heads their queues. */
      mayBeGrantedNow: boolean;
    }
  | Extract<CounterResult, { kind: 'quorum-unavailable' }>;

/**
 * A queue ticket in one round when it can: the proposal comes from this instance's cache (reserved,
 * so its concurrent waiters propose distinct numbers), and a majority raising to it issues it
 * (domain/quorum-counter.ts, tallyRaise). That round also registers the waiter where it raised
 * (take-ticket.lua), so a waiter that cannot be granted yet goes to sleep without a vote. When the
 * cache is behind (another instance took tickets), those replies served as the read, the minority
 * registration is taken back, and the write-back round proposes above them.
 */
export async function issueTicket(
  ctx: RedlockContext,
  resource: string,
  member: string,
): Promise<TicketResult> {
  const { nodes } = ctx;
  const counterKey = keys.ticket(resource);
  const proposed = ctx.counters.reserve(counterKey);
  const answers = await nodes.takeTicket(resource, proposed, {
    member,
    queueLeaseMs: ctx.config.queueLeaseMs,
  });
  const replies = answers.map((a) => a.reply);
  ctx.trace.lazily(2 * replies.length, () =>
    raiseMessages(ctx.config.instance, { counter: 'ticket', resource, proposed }, replies),
  );
  const first = tallyRaise(proposed, replies, nodes.size);
  if (first.kind === 'issued') {
    ctx.counters.saw(counterKey, first.value);
    const grantable = answers.filter((a) => a.isNext).length;
    return {
      kind: 'issued',
      value: first.value,
      isRegistered: true,
      mayBeGrantedNow: grantable >= quorumSize(nodes.size),
    };
  }
  // Registered under a number that was not issued: taken back, ahead of anything else on those connections.
  const registeredOn = replies.filter((r) => r.kind === 'raised').map((r) => r.node);
  if (registeredOn.length > 0) void nodes.dequeue(resource, member, registeredOn);
  const decision =
    first.kind === 'retry' ? await raiseUntilIssued(ctx, counterKey, null, resource, first.next) : first;
  if (decision.kind === 'issued') {
    ctx.counters.saw(counterKey, decision.value);
    return { kind: 'issued', value: decision.value, isRegistered: false, mayBeGrantedNow: true };
  }
  // A ticket counter belongs to no lease: only a quorum lost can stop it.
  const reachable = decision.kind === 'quorum-unavailable' ? decision.reachable : 0;
  return { kind: 'quorum-unavailable', reachable, needed: quorumSize(nodes.size), grantedBy: [] };
}

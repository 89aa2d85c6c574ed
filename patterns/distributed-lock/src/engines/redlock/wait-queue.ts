import { waiterMember } from '../../domain/lock-view.ts';
import { AppError } from '../../errors.ts';
import type { AcquireInput, Lease } from '../../lock-backend.ts';
import { issueTicket } from './fencing-counter.ts';
import { attempt } from './redlock-attempt.ts';
import type { Shown } from './redlock-attempt.ts';
import { announcement } from './redlock-context.ts';
import type { RedlockContext } from './redlock-context.ts';
import { grantLease, refuse } from './redlock-outcomes.ts';
import { refusalExtras } from './refusal-errors.ts';

/**
 * The FIFO wait queue: a ticket from the quorum counter, then attempts with
 * that ticket until granted, refused outright, or `waitMs` runs out. Between
 * attempts the waiter sleeps until a release wakes it (if it is this
 * instance's head) or its poll interval passes (queue-sleepers.ts); whatever
 * happens, it leaves the queue on every node.
 */
export async function acquireInQueue(
  ctx: RedlockContext,
  input: AcquireInput,
  started: number,
): Promise<Lease> {
  const { resource, owner } = input;
  const { config, nodes, clock, stats } = ctx;
  const member = waiterMember({ id: ctx.newId().slice(0, 8), instance: config.instance, owner });
  // In this instance's queue before its ticket is known (last in it until then), so that a release
  // heard during the ticket round is not missed.
  const place = ctx.sleepers.join(resource, Number.POSITIVE_INFINITY);
  const ticket = await issueTicket(ctx, resource, member).catch((error: unknown) => {
    ctx.sleepers.leave(place);
    throw error;
  });
  if (ticket.kind !== 'issued') {
    ctx.sleepers.leave(place);
    throw refuse(ctx, input, ticket);
  }
  ctx.sleepers.numbered(place, ticket.value);
  const waiter = { member, ticket: ticket.value };
  const shown: Shown = {};
  ctx.emit('queue:joined', { resource, waiter: member, owner, ticket: ticket.value });
  const deadline = started + input.waitMs;
  let hasWaited = false;
  let reason: 'granted' | 'timeout' | 'unavailable' | 'error' = 'error';
  // Registered by the ticket round and not grantable yet: it sleeps first, its vote could only say queued.
  let isVoteDue = !ticket.isRegistered || ticket.mayBeGrantedNow;
  const sleepInQueue = async () => {
    if (!hasWaited) {
      hasWaited = true;
      stats.contention += 1;
    }
    await ctx.sleepers.sleep(place, Math.max(0, deadline - clock.monotonicMs()));
  };
  try {
    for (; ; isVoteDue = true) {
      if (!isVoteDue && deadline - clock.monotonicMs() > 0) {
        await sleepInQueue();
        continue;
      }
      const result = await attempt(ctx, input, shown, waiter);
      if (result.kind === 'granted') {
        // Nodes that answered without granting still list us as waiting; clear them so the next waiter is
        // the head (nodes that vote late are cleared once their vote is in, by redlock-attempt.ts).
        // Not awaited: on each connection it follows our vote, and it delays nobody's answer.
        if (result.refusedBy.length > 0) void nodes.dequeue(resource, member, result.refusedBy);
        // The lease ran down while a slow node was cleared: what is left counts, not what was left.
        const left = Math.floor(result.validityMs - (clock.monotonicMs() - result.measuredAtMs));
        if (left <= 0) {
          reason = 'error';
          await nodes.withdraw(resource, result.token, announcement(ctx));
          throw refuse(ctx, input, { kind: 'too-slow', elapsedMs: clock.monotonicMs() - started });
        }
        reason = 'granted';
        const waitedMs = clock.monotonicMs() - started;
        stats.waitMs.add(waitedMs);
        ctx.waitHistogram.observe(waitedMs);
        return grantLease(ctx, input, { ...result, validityMs: left }, waitedMs);
      }
      if (result.kind === 'quorum-unavailable') {
        reason = 'unavailable';
        throw refuse(ctx, input, result);
      }
      const remaining = deadline - clock.monotonicMs();
      if (remaining <= 0) {
        reason = 'timeout';
        stats.timeouts += 1;
        stats.outcomes.timeout += 1;
        throw new AppError(
          'LOCK_WAIT_TIMEOUT',
          `"${resource}" was not granted within waitMs=${input.waitMs}; this waiter left the queue.`,
          { extras: { resource, waitMs: input.waitMs, ...refusalExtras(result) } },
        );
      }
      await sleepInQueue();
    }
  } finally {
    ctx.sleepers.leave(place);
    if (reason !== 'granted') await nodes.dequeue(resource, member);
    ctx.emit('queue:left', { resource, waiter: member, reason });
  }
}

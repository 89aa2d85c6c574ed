import type { AcquireInput, Lease } from '../../lock-backend.ts';
import type { AppError } from '../../errors.ts';
import type { AttemptResult } from './redlock-attempt.ts';
import type { RedlockContext } from './redlock-context.ts';
import { refusalError } from './refusal-errors.ts';
import type { Refusal } from './refusal-errors.ts';

/** A granted attempt becomes this instance's lease: booked, counted, shown. */
export function grantLease(
  ctx: RedlockContext,
  input: AcquireInput,
  result: Extract<AttemptResult, { kind: 'granted' }>,
  waitedMs: number,
): Lease {
  return ctx.leases.granted({
    resource: input.resource,
    token: result.token,
    fencingToken: result.fencingToken,
    owner: input.owner,
    instance: ctx.config.instance,
    validityMs: result.validityMs,
    expiresAtMs: ctx.clock.nowMs() + result.validityMs,
    waitedMs: Math.round(waitedMs),
    nodes: result.nodes,
  });
}

/** A refused attempt becomes the error the caller gets, counted and shown. */
export function refuse(ctx: RedlockContext, input: AcquireInput, result: Refusal): AppError {
  const { stats } = ctx;
  if (result.kind === 'held') {
    stats.contention += 1;
    stats.outcomes.held += 1;
  }
  if (result.kind === 'quorum-unavailable') {
    stats.quorumUnavailable += 1;
    stats.outcomes.unavailable += 1;
  }
  if (result.kind === 'too-slow') stats.outcomes.tooSlow += 1;
  const error = refusalError(input, result);
  ctx.emit('lock:refused', {
    resource: input.resource,
    owner: input.owner,
    code: error.code,
    detail: error.message,
  });
  return error;
}

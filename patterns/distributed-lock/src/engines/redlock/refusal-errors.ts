import type { AcquireDecision } from '../../domain/acquire-votes.ts';
import { AppError } from '../../errors.ts';

/** Why an attempt (or the queue ticket before it) did not end in a lease. */
export type Refusal =
  | Exclude<AcquireDecision, { kind: 'granted' }>
  | { kind: 'quorum-unavailable'; reachable: number; needed: number }
  | { kind: 'too-slow'; elapsedMs: number };

/** The figures behind a refusal, for the problem+json body. */
export function refusalExtras(result: Refusal) {
  switch (result.kind) {
    case 'held':
      return {
        votesFor: result.votesFor,
        needed: result.needed,
        queuedAhead: result.queuedAhead,
        ...(result.holder ? { holder: result.holder.owner, holderTtlMs: result.holder.ttlMs } : {}),
      };
    case 'quorum-unavailable':
      return { reachable: result.reachable, needed: result.needed };
    case 'too-slow':
      return { elapsedMs: Math.round(result.elapsedMs) };
  }
}

/** The error an acquire answers with when it was refused: LOCK_HELD, QUORUM_UNAVAILABLE or ACQUIRE_TOO_SLOW. */
export function refusalError(input: { resource: string; ttlMs: number }, result: Refusal): AppError {
  const extras = { resource: input.resource, ...refusalExtras(result) };
  switch (result.kind) {
    case 'held':
      return new AppError(
        'LOCK_HELD',
        result.holder
          ? `"${input.resource}" is held by ${result.holder.owner} (${result.votesFor} of ${result.needed} needed votes).`
          : `"${input.resource}" is promised to an earlier waiter in the queue (${result.votesFor} of ${result.needed} needed votes).`,
        { extras },
      );
    case 'quorum-unavailable':
      return new AppError(
        'QUORUM_UNAVAILABLE',
        `Only ${result.reachable} lock nodes could vote; a lease needs ${result.needed}. Nothing was granted.`,
        { extras },
      );
    case 'too-slow':
      return new AppError(
        'ACQUIRE_TOO_SLOW',
        `Acquiring took ${Math.round(result.elapsedMs)} ms, leaving no validity of ttlMs=${input.ttlMs}; released.`,
        { extras },
      );
  }
}

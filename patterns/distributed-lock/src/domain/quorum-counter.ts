import { quorumSize } from './quorum.ts';

/**
 * A counter kept on N nodes that hands out strictly increasing numbers while
 * up to a minority of nodes is down (fencing tokens and queue tickets).
 *
 * INCR on every node and taking the largest reply is not enough: the replies
 * come from whichever nodes answered, and a node that missed earlier
 * increments answers low. Instead each number is
 *   1. read: the highest value over a majority of nodes, plus one;
 *   2. written back: each node raises its value to it only if it is still lower,
 *      and the number counts only once a majority raised it.
 * A later read majority shares a node with that write majority, so it sees
 * the number or a higher one; and since a node raises to a value at most once,
 * two callers can never both get a majority for the same number.
 */

/** What one node answered to "raise your counter to `proposed` if it is lower". */
export type RaiseReply =
  | { readonly node: string; readonly kind: 'raised' }
  | { readonly node: string; readonly kind: 'behind'; readonly current: number }
  | { readonly node: string; readonly kind: 'unreachable' };

export type RaiseDecision =
  | { readonly kind: 'issued'; readonly value: number }
  /** Someone else raised past us on some nodes: propose again above what they hold. */
  | { readonly kind: 'retry'; readonly next: number }
  | { readonly kind: 'quorum-unavailable'; readonly reachable: number; readonly needed: number };

/** Step 1: the number to propose, from the values a majority of nodes reported. */
export function proposeNext(counters: readonly number[]): number {
  return Math.max(0, ...counters) + 1;
}

/** Step 2: did a majority take the proposal? */
export function tallyRaise(
  proposed: number,
  replies: readonly RaiseReply[],
  nodeCount: number,
): RaiseDecision {
  const needed = quorumSize(nodeCount);
  const raised = replies.filter((r) => r.kind === 'raised').length;
  if (raised >= needed) return { kind: 'issued', value: proposed };
  const reachable = replies.filter((r) => r.kind !== 'unreachable').length;
  if (reachable < needed) return { kind: 'quorum-unavailable', reachable, needed };
  const currents = replies.flatMap((r) => (r.kind === 'behind' ? [r.current] : []));
  return { kind: 'retry', next: Math.max(proposed, ...currents) + 1 };
}

/**
 * The same write-back for numbers that only need to grow, not to be unique
 * (queue tickets, where equal tickets are ordered by waiter id): a node that
 * already holds a value at least as high also counts, so concurrent callers
 * never make each other retry.
 */
export function tallyRaiseAtLeast(
  proposed: number,
  replies: readonly RaiseReply[],
  nodeCount: number,
): RaiseDecision {
  const needed = quorumSize(nodeCount);
  const holding = replies.filter((r) => r.kind !== 'unreachable').length;
  if (holding >= needed) return { kind: 'issued', value: proposed };
  return { kind: 'quorum-unavailable', reachable: holding, needed };
}

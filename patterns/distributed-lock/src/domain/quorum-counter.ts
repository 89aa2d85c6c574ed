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
 *
 * The read only picks a good first proposal: what makes the number safe is the
 * write-back. Any two write majorities share a node, and on that node the later
 * raise succeeds only above the earlier one. So a proposal may also come from a
 * cache of values seen before (queue tickets do this): a stale one is refused
 * as `behind` and retried above what the nodes hold.
 *
 * A fencing token must grow in the order the leases were held, not only in the
 * order the raises happened. So a node raises a fencing counter only for the
 * holder of its lease there (`lapsed` otherwise), inside the acquire itself
 * when it can (domain/fenced-grant.ts). On the node two token majorities share,
 * both raises then happened while the raiser held that node's lease, and a
 * node's leases follow one another as their holders do.
 */

/** What one node answered to "raise your counter to `proposed` if it is lower". */
export type RaiseReply =
  | { readonly node: string; readonly kind: 'raised' }
  | { readonly node: string; readonly kind: 'behind'; readonly current: number }
  /** Fencing counters only: this node no longer holds our lease, so it raises nothing for us. */
  | { readonly node: string; readonly kind: 'lapsed' }
  | { readonly node: string; readonly kind: 'unreachable' };

export type RaiseDecision =
  | { readonly kind: 'issued'; readonly value: number }
  /** Someone else raised past us on some nodes: propose again above what they hold. */
  | { readonly kind: 'retry'; readonly next: number }
  /** Too few nodes still hold our lease to raise a majority for it: the lease ran out. */
  | { readonly kind: 'lapsed' }
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
  const holding = replies.filter((r) => r.kind === 'raised' || r.kind === 'behind').length;
  if (holding < needed) return { kind: 'lapsed' };
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

import type { AcquireVote } from './acquire-votes.ts';
import { quorumSize } from './quorum.ts';

/**
 * The fencing token inside the acquire round trip. The caller proposes a token
 * with its votes (one above the highest counter it has seen for the resource);
 * a node that grants the lease also raises its counter to the proposal, if it
 * is still lower, in the same script. When a majority granted *and* raised, the
 * proposal is the token: it was written back to a majority, each raise made
 * while the raiser held that node's lease (domain/quorum-counter.ts has the
 * argument). Otherwise the separate write-back round issues one, above every
 * counter the votes reported and above the proposal.
 */
export function foldedToken(
  votes: readonly AcquireVote[],
  proposed: number,
  nodeCount: number,
): number | null {
  const raised = votes.filter((v) => v.kind === 'granted' && v.raised === true).length;
  return raised >= quorumSize(nodeCount) ? proposed : null;
}

/**
 * Whether an acquire can be answered before every node voted, as the `redlock`
 * package settles on a quorum: only a grant whose token a majority already
 * raised, since no later vote can change that. Refusals, and grants that still
 * need the write-back round, wait for every vote as before. A node that votes
 * after the answer may still grant: the release goes to every node, after the
 * vote on the same connection, so it cleans that node too.
 */
export function isAcquireSettled(
  votes: readonly AcquireVote[],
  pending: number,
  proposed: number,
  nodeCount: number,
): boolean {
  return pending === 0 || foldedToken(votes, proposed, nodeCount) !== null;
}

/**
 * The highest fencing counter the votes reported, as it was before this
 * attempt's own raises: a refused attempt's proposal was issued to nobody, and
 * proposing it again keeps the tokens consecutive (a node raised to it already
 * just does not count towards the majority).
 */
export function highestCounterSeen(votes: readonly AcquireVote[]): number {
  return Math.max(
    0,
    ...votes.map((v) =>
      v.kind === 'granted' || v.kind === 'held' || v.kind === 'queued' ? v.fencingCounter : 0,
    ),
  );
}

import { electionTimeoutMs, majority, observeTerm } from '../../domain/election.ts';
import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { PeerReply } from '../../cluster/peer-link.ts';
import { commitUnknown } from './node-errors.ts';
import { emitRole, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';

/** Rule: a follower that hears no leader for a fresh random timeout stands for election. */
export function resetElectionDeadline(node: RaftNode): void {
  const { config } = node;
  node.state.electionDeadline =
    node.now() + electionTimeoutMs(config.electionTimeoutMinMs, config.electionTimeoutMaxMs, node.random());
}

/** CheckQuorum: whether a majority (this leader included) acknowledged within the longest election timeout. */
export function hasQuorumContact(node: RaftNode, now: number): boolean {
  const { lastAckAt } = node.state;
  const fresh = node.peers.filter(
    (p) => now - (lastAckAt.get(p.name) ?? -Infinity) <= node.config.electionTimeoutMaxMs,
  ).length;
  return fresh + 1 >= majority(node.members.length);
}

/** Rule: step down (or follow a new leader); a leader's pending writes now have an unknown outcome. */
export function becomeFollower(node: RaftNode, leaderId: string | null): void {
  const s = node.state;
  const changed = s.role !== 'follower' || s.leaderId !== leaderId;
  if (s.role === 'leader') failWaiters(node, 'leadership lost before the write was committed');
  s.role = 'follower';
  s.leaderId = leaderId;
  s.appendsInFlight.clear();
  s.replicating.clear();
  s.wantsResend.clear();
  resetElectionDeadline(node);
  if (changed) emitRole(node);
}

/** Rule: a higher term seen in any reply is adopted (durably) and the node follows. */
export async function adoptTerm(node: RaftNode, term: number): Promise<void> {
  await node.queue.run(async () => {
    const s = node.state;
    const next = observeTerm(s.election, term);
    if (next === s.election) return;
    await node.store.saveElection(next);
    s.election = next;
    if (s.role === 'leader') node.tally.stepDowns += 1;
    becomeFollower(node, null);
  });
}

/**
 * Rule (leader), for every follower's answer: a lost or failed reply, or one
 * reaching a leader that has since stepped down or moved to another term, is
 * ignored; a higher term is adopted. Otherwise the body, traced by `ack`.
 */
export async function leaderHears<T extends { readonly term: number }>(
  node: RaftNode,
  term: number,
  reply: PeerReply<T>,
  ack: (body: T) => ProtocolMessage,
): Promise<T | undefined> {
  const s = node.state;
  if (s.role !== 'leader' || s.election.currentTerm !== term) return undefined;
  if (reply.kind !== 'ok' || reply.status !== 200 || !reply.body) return undefined;
  traceMessages(node, [ack(reply.body)]);
  if (reply.body.term > term) {
    await adoptTerm(node, reply.body.term);
    return undefined;
  }
  return reply.body;
}

export function failWaiters(node: RaftNode, reason: string): void {
  const waiters = node.state.commitWaiters;
  for (const [index, waiter] of waiters) waiter.reject(commitUnknown(index, reason));
  waiters.clear();
}

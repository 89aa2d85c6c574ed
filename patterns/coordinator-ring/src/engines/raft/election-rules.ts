import { decideVote, majority, startElection } from '../../domain/election.ts';
import type { VoteRequest } from '../../domain/election.ts';
import { lastIndex, lastPosition } from '../../domain/replicated-log.ts';
import { appendLocal, replicateToAll } from './leader-replication.ts';
import type { VoteReply } from './messages.ts';
import { emit, emitRole, recordSighting, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';
import { adoptTerm, becomeFollower, resetElectionDeadline } from './role-changes.ts';
import { requestVote, voteAnswer } from './trace-messages.ts';

/** Rule: a follower whose election timeout ran out becomes a candidate in term + 1 and asks every peer. */
export async function runElection(node: RaftNode): Promise<void> {
  const s = node.state;
  const term = await node.queue.run(async () => {
    if (s.role === 'leader' || node.now() < s.electionDeadline) return null;
    const next = startElection(s.election, node.id);
    await node.store.saveElection(next);
    s.election = next;
    s.role = 'candidate';
    s.leaderId = null;
    node.tally.electionsStarted += 1;
    resetElectionDeadline(node);
    emitRole(node);
    return next.currentTerm;
  });
  if (term === null) return;
  emit(node, 'vote:requested', { candidateId: node.id, term });
  const request: VoteRequest = { term, candidateId: node.id, ...lastPosition(s.log) };
  traceMessages(
    node,
    node.peers.map((peer) => requestVote(peer.name, request)),
  );
  let votes = 1;
  await Promise.all(
    node.peers.map(async (peer) => {
      const reply = await peer.send<VoteReply>('POST', '/internal/votes', request, node.config.rpcTimeoutMs);
      if (reply.kind !== 'ok' || reply.status !== 200 || !reply.body) return;
      traceMessages(node, [voteAnswer(peer.name, node.id, term, reply.body)]);
      if (reply.body.term > s.election.currentTerm) {
        await adoptTerm(node, reply.body.term);
        return;
      }
      if (!reply.body.granted || s.role !== 'candidate' || s.election.currentTerm !== term) return;
      votes += 1;
      if (votes >= majority(node.members.length)) await becomeLeader(node, term);
    }),
  );
}

/** Rule: a candidate with a majority leads; it appends a no-op of its term to learn the commit index (Raft §8). */
async function becomeLeader(node: RaftNode, term: number): Promise<void> {
  const s = node.state;
  await node.queue.run(async () => {
    if (s.role !== 'candidate' || s.election.currentTerm !== term) return;
    s.role = 'leader';
    s.leaderId = node.id;
    node.tally.electionsWon += 1;
    recordSighting(node, term, node.id);
    const now = node.now();
    for (const peer of node.peers) {
      s.nextIndex.set(peer.name, lastIndex(s.log) + 1);
      s.matchIndex.set(peer.name, 0);
      // A fresh leader gets one election timeout of grace before CheckQuorum may depose it.
      s.lastAckAt.set(peer.name, now);
      s.ackedSeq.delete(peer.name);
    }
    emitRole(node);
    await appendLocal(node, { type: 'noop' });
  });
  // Heard at once: the followers learn of the new leader before their election timers run out.
  replicateToAll(node, 'heartbeat');
}

/** RequestVote, voter's side: the decision is persisted before the answer leaves. */
export async function handleVote(node: RaftNode, request: VoteRequest): Promise<VoteReply> {
  const s = node.state;
  const reply = await node.queue.run(async (): Promise<VoteReply> => {
    const decision = decideVote(s.election, lastPosition(s.log), request);
    if (decision.next !== s.election) {
      await node.store.saveElection(decision.next);
      const isNewTerm = decision.next.currentTerm > s.election.currentTerm;
      s.election = decision.next;
      if (isNewTerm) becomeFollower(node, null);
    }
    emit(node, 'vote:cast', {
      voter: node.id,
      candidateId: request.candidateId,
      term: request.term,
      granted: decision.granted,
    });
    if (decision.granted) {
      node.tally.votesGranted += 1;
      resetElectionDeadline(node);
      return { term: s.election.currentTerm, granted: true };
    }
    node.tally.votesRefused += 1;
    return { term: s.election.currentTerm, granted: false, reason: decision.reason };
  });
  traceMessages(node, [
    requestVote(node.id, request),
    voteAnswer(node.id, request.candidateId, request.term, reply),
  ]);
  return reply;
}

import { observeTerm } from '../../domain/election.ts';
import { followerCommitIndex, planAppend } from '../../domain/replicated-log.ts';
import { noteTip, rebuildTips, repairLog } from './local-log.ts';
import type { AppendReply, AppendRequest } from './messages.ts';
import { emitAppended, recordSighting, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';
import { becomeFollower, resetElectionDeadline } from './role-changes.ts';
import { applyCommitted } from './state-machine.ts';
import { appendAck, appendEntries } from './trace-messages.ts';

/**
 * AppendEntries, follower's side: a current leader's request resets the
 * election timer; the entries are stored (a conflicting suffix replaced)
 * before the answer leaves, and the commit index follows the leader's.
 */
export async function handleAppendEntries(node: RaftNode, request: AppendRequest): Promise<AppendReply> {
  const s = node.state;
  const reply = await node.queue.run(async (): Promise<AppendReply> => {
    if (request.term < s.election.currentTerm) return { term: s.election.currentTerm, success: false };
    const next = observeTerm(s.election, request.term);
    if (next !== s.election) {
      await node.store.saveElection(next);
      s.election = next;
    }
    if (s.role !== 'follower' || s.leaderId !== request.leaderId) {
      if (s.role === 'leader') node.tally.stepDowns += 1;
      becomeFollower(node, request.leaderId);
    }
    recordSighting(node, request.term, request.leaderId);
    resetElectionDeadline(node);
    const plan = planAppend(s.log, request.prevLogIndex, request.prevLogTerm, request.entries);
    if (!plan.ok) return { term: s.election.currentTerm, success: false, retryFrom: plan.retryFrom };
    if (plan.truncateFrom !== null || plan.append.length > 0) {
      try {
        await node.store.appendLog(plan.truncateFrom, plan.append);
      } catch (error) {
        await repairLog(node);
        throw error;
      }
      if (plan.truncateFrom !== null) s.log.length = plan.truncateFrom - 1;
      s.log.push(...plan.append);
      if (plan.truncateFrom !== null) rebuildTips(node);
      else for (const entry of plan.append) noteTip(node, entry);
      for (const entry of plan.append) emitAppended(node, entry);
    }
    const commit = followerCommitIndex(s.commitIndex, request.leaderCommit, plan.lastNewIndex);
    if (commit > s.commitIndex) {
      s.commitIndex = commit;
      applyCommitted(node);
    }
    return { term: s.election.currentTerm, success: true, matchIndex: plan.lastNewIndex };
  });
  traceMessages(node, [appendEntries(node.id, request), appendAck(node.id, request, reply, s.commitIndex)]);
  return reply;
}

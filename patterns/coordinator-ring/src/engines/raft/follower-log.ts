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
    if (!(await heedLeader(node, request.term, request.leaderId))) {
      return { term: s.election.currentTerm, success: false };
    }
    const plan = planAppend(s.log, request.prevLogIndex, request.prevLogTerm, request.entries);
    if (!plan.ok) return { term: s.election.currentTerm, success: false, retryFrom: plan.retryFrom };
    if (plan.truncateFrom !== null || plan.append.length > 0) {
      // List positions count from the snapshot; a conflict never reaches into it (it holds committed entries).
      const keep = plan.truncateFrom === null ? null : plan.truncateFrom - 1 - s.log.snapshotIndex;
      try {
        await node.store.appendLog(keep, plan.append);
      } catch (error) {
        await repairLog(node);
        throw error;
      }
      if (plan.truncateFrom !== null) s.log.entries.length = keep ?? 0;
      s.log.entries.push(...plan.append);
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

/**
 * Rule, for every message from a leader (AppendEntries, InstallSnapshot): one
 * from an older term is refused (false); otherwise its term is adopted
 * durably, this node follows it, and its election timer starts over. Runs
 * inside the serial queue.
 */
export async function heedLeader(node: RaftNode, term: number, leaderId: string): Promise<boolean> {
  const s = node.state;
  if (term < s.election.currentTerm) return false;
  const next = observeTerm(s.election, term);
  if (next !== s.election) {
    await node.store.saveElection(next);
    s.election = next;
  }
  if (s.role !== 'follower' || s.leaderId !== leaderId) {
    if (s.role === 'leader') node.tally.stepDowns += 1;
    becomeFollower(node, leaderId);
  }
  recordSighting(node, term, leaderId);
  resetElectionDeadline(node);
  return true;
}

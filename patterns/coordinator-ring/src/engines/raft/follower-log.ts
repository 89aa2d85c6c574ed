import { observeTerm } from '../../domain/election.ts';
import { entriesAfterAppend, followerCommitIndex, planAppend } from '../../domain/replicated-log.ts';
import { noteTip, rebuildTips, repairLog } from './local-log.ts';
import type { AppendReply, AppendRequest } from './messages.ts';
import { emitAppended, recordSighting, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';
import { becomeFollower, resetElectionDeadline } from './role-changes.ts';
import { applyBatchEntries, applyCommitted, appliedBatch } from './state-machine.ts';
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
    const commit = followerCommitIndex(s.commitIndex, request.leaderCommit, plan.lastNewIndex);
    if (plan.truncateFrom !== null || plan.append.length > 0) {
      // List positions count from the snapshot; a conflict never reaches into it (it holds committed entries).
      const keep = plan.truncateFrom === null ? null : plan.truncateFrom - 1 - s.log.snapshotIndex;
      // The entries this message commits are applied in the same MULTI that stores its entries: one
      // Redis round trip per AppendEntries. Unless an apply is under way: then it goes on as before.
      const applying =
        s.isApplying || s.isInstalling
          ? []
          : entriesAfterAppend(
              s.log,
              plan,
              s.lastApplied,
              Math.min(commit, s.lastApplied + applyBatchEntries),
            );
      if (applying.length > 0) s.isApplying = true;
      try {
        await node.store.appendLog(keep, plan.append, applying);
      } catch (error) {
        if (applying.length > 0) s.isApplying = false;
        await repairLog(node);
        throw error;
      }
      if (plan.truncateFrom !== null) s.log.entries.length = keep ?? 0;
      s.log.entries.push(...plan.append);
      if (plan.truncateFrom !== null) rebuildTips(node);
      else for (const entry of plan.append) noteTip(node, entry);
      for (const entry of plan.append) emitAppended(node, entry);
      if (applying.length > 0) {
        s.commitIndex = Math.max(s.commitIndex, commit);
        s.isApplying = false;
        appliedBatch(node, applying);
      }
    }
    if (commit > s.commitIndex) s.commitIndex = commit;
    // What is committed and not yet applied (a heartbeat's commit, or more than one batch).
    if (s.lastApplied < s.commitIndex) applyCommitted(node);
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

import type { PeerLink } from '../../cluster/peer-link.ts';
import { entriesAfter, lastIndex, leaderCommitIndex, termAt } from '../../domain/replicated-log.ts';
import type { Command, LogEntry } from '../../domain/replicated-log.ts';
import { noteTip } from './local-log.ts';
import type { AppendReply, AppendRequest } from './messages.ts';
import { emit, emitAppended, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';
import { leaderHears } from './role-changes.ts';
import { sendSnapshot } from './snapshot-transfer.ts';
import { applyCommitted, settleReads } from './state-machine.ts';
import { appendAck, appendEntries } from './trace-messages.ts';

/** What a message to a follower is for: new entries only, or a heartbeat that must leave even empty. */
export type SendReason = 'entries' | 'heartbeat';

/** Rule: the leader appends one entry of its own term to its log (durably first). */
export async function appendLocal(node: RaftNode, command: Command): Promise<LogEntry> {
  const s = node.state;
  const entry: LogEntry = { index: lastIndex(s.log) + 1, term: s.election.currentTerm, command };
  await node.store.appendLog(null, [entry]);
  s.log.entries.push(entry);
  node.tally.entriesAppended += 1;
  noteTip(node, entry);
  emitAppended(node, entry);
  advanceCommitIndex(node);
  return entry;
}

export function replicateToAll(node: RaftNode, reason: SendReason): void {
  for (const peer of node.peers) sendAppendEntries(node, peer, reason);
}

/**
 * Rule: the reads waiting for a majority's confirmation share one heartbeat round, sent when the
 * current turn of the event loop ends: every read begun before it leaves is confirmed by its answers.
 */
export function requestReadRound(node: RaftNode): void {
  const s = node.state;
  if (s.isReadRoundDue) return;
  s.isReadRoundDue = true;
  setImmediate(() => {
    s.isReadRoundDue = false;
    replicateToAll(node, 'heartbeat');
  });
}

/**
 * Rule: send the next batch to one follower, over its long-lived stream. A
 * follower whose log is known to match gets up to APPEND_PIPELINE_DEPTH
 * batches in flight, each starting where the one before ended (nextIndex
 * moves on when a batch leaves, not when it is acknowledged: the stream
 * delivers them in order). One still being probed (after an election, a
 * refusal or a lost message) gets one at a time, since each answer may move
 * where the next starts. With no room, a heartbeat is owed and leaves with
 * the next answer.
 */
export function sendAppendEntries(node: RaftNode, peer: PeerLink, reason: SendReason): void {
  const s = node.state;
  if (s.role !== 'leader' || s.isStopped) return;
  const name = peer.name;
  const inFlight = s.appendsInFlight.get(name) ?? 0;
  const isReplicating = s.replicating.has(name);
  const next = s.nextIndex.get(name) ?? lastIndex(s.log) + 1;
  if (reason === 'entries' && next > lastIndex(s.log)) return;
  if (s.sendingSnapshot.has(name) || inFlight >= (isReplicating ? node.config.pipelineDepth : 1)) {
    if (reason === 'heartbeat') s.wantsResend.add(name);
    return;
  }
  const prevLogIndex = next - 1;
  if (prevLogIndex < s.log.snapshotIndex) {
    // The entries it needs were compacted away: it gets the state machine instead, once nothing else is on its way.
    if (inFlight === 0) sendSnapshot(node, peer);
    return;
  }
  s.wantsResend.delete(name);
  const term = s.election.currentTerm;
  const entries = entriesAfter(s.log, prevLogIndex, prevLogIndex + node.config.maxBatchEntries);
  const request: AppendRequest = {
    term,
    leaderId: node.id,
    prevLogIndex,
    prevLogTerm: termAt(s.log, prevLogIndex) ?? 0,
    entries,
    leaderCommit: s.commitIndex,
  };
  if (isReplicating) s.nextIndex.set(name, next + entries.length);
  s.appendsInFlight.set(name, inFlight + 1);
  node.tally.appendEntriesSent += 1;
  const seq = ++s.sendSeq;
  traceMessages(node, [appendEntries(name, request)]);
  void peer
    .stream<AppendReply>('/internal/append-entries', request, node.config.rpcTimeoutMs)
    .then(async (reply) => {
      // An answer to an earlier leadership (a step-down cleared the counts) changes nothing here.
      if (s.role !== 'leader' || s.election.currentTerm !== term) return;
      s.appendsInFlight.set(name, Math.max(0, (s.appendsInFlight.get(name) ?? 1) - 1));
      if (reply.kind !== 'ok' || reply.status !== 200) {
        // Lost, unanswered, or refused before the log was looked at (its Redis failed, the link is cut).
        lostContact(node, name);
        return;
      }
      const body = await leaderHears(node, term, reply, (b) => appendAck(name, request, b));
      if (body) handleAppendReply(node, peer, request, body, seq);
    });
}

/**
 * Rule: a message lost or unanswered may leave a gap in what the follower holds, so the pipeline
 * stops and the follower is probed again from its last known match. No resend here: the next
 * heartbeat or write retries (an unreachable peer answers at once, and must not be hammered).
 */
function lostContact(node: RaftNode, name: string): void {
  const s = node.state;
  s.replicating.delete(name);
  s.nextIndex.set(name, (s.matchIndex.get(name) ?? 0) + 1);
}

/** Rule: the follower's answer moves its match and next index (or backs off), and may confirm reads. */
function handleAppendReply(
  node: RaftNode,
  peer: PeerLink,
  request: AppendRequest,
  body: AppendReply,
  seq: number,
): void {
  const s = node.state;
  const name = peer.name;
  s.lastAckAt.set(name, node.now());
  s.ackedSeq.set(name, Math.max(s.ackedSeq.get(name) ?? 0, seq));
  settleReads(node);
  const { prevLogIndex } = request;
  if (body.success) {
    const match = body.matchIndex ?? prevLogIndex + request.entries.length;
    if (match > (s.matchIndex.get(name) ?? 0)) {
      s.matchIndex.set(name, match);
      emit(node, 'entry:replicated', { to: name, matchIndex: match });
    }
    // The logs agree up to `match`: from here on, batches may follow each other without waiting.
    s.nextIndex.set(name, Math.max(s.replicating.has(name) ? (s.nextIndex.get(name) ?? 0) : 0, match + 1));
    s.replicating.add(name);
    advanceCommitIndex(node);
  } else {
    // Refused (the follower lacks the previous entry or holds another term there): probe back.
    s.replicating.delete(name);
    s.nextIndex.set(name, Math.max(1, Math.min(body.retryFrom ?? prevLogIndex, prevLogIndex)));
  }
  const hasMore = (s.nextIndex.get(name) ?? 0) <= lastIndex(s.log);
  if (hasMore) sendAppendEntries(node, peer, 'entries');
  else if (s.wantsResend.has(name)) sendAppendEntries(node, peer, 'heartbeat');
}

/**
 * Rule: the leader commits the highest index a majority stores, if it is of its own term (§5.4.2),
 * and answers the writes it commits: a majority holds them durably, whatever happens to this leader
 * next. Applying them to the state machine follows, and a read waits for that (state-machine.ts).
 */
export function advanceCommitIndex(node: RaftNode): void {
  const s = node.state;
  if (s.role !== 'leader') return;
  const matches = [lastIndex(s.log), ...node.peers.map((p) => s.matchIndex.get(p.name) ?? 0)];
  const next = leaderCommitIndex(matches, s.log, s.election.currentTerm, s.commitIndex);
  if (next <= s.commitIndex) return;
  s.commitIndex = next;
  for (const [index, waiter] of s.commitWaiters) {
    if (index <= next && termAt(s.log, index) === waiter.term) waiter.resolve();
  }
  applyCommitted(node);
}

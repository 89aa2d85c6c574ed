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

export function replicateToAll(node: RaftNode): void {
  for (const peer of node.peers) sendAppendEntries(node, peer);
}

/**
 * Rule: send the next batch to one follower. One request in flight per
 * follower; asked again meanwhile, it re-sends as soon as the answer is in, so
 * the writes that arrived during a round trip travel together in the next one.
 */
export function sendAppendEntries(node: RaftNode, peer: PeerLink): void {
  const s = node.state;
  if (s.role !== 'leader' || s.isStopped) return;
  if (s.inFlight.has(peer.name)) {
    s.wantsResend.add(peer.name);
    return;
  }
  const term = s.election.currentTerm;
  const next = s.nextIndex.get(peer.name) ?? lastIndex(s.log) + 1;
  const prevLogIndex = next - 1;
  if (prevLogIndex < s.log.snapshotIndex) {
    // The entries it needs were compacted away: it gets the state machine instead.
    sendSnapshot(node, peer);
    return;
  }
  s.inFlight.add(peer.name);
  s.wantsResend.delete(peer.name);
  const entries = entriesAfter(s.log, prevLogIndex, prevLogIndex + node.config.maxBatchEntries);
  const request: AppendRequest = {
    term,
    leaderId: node.id,
    prevLogIndex,
    prevLogTerm: termAt(s.log, prevLogIndex) ?? 0,
    entries,
    leaderCommit: s.commitIndex,
  };
  const seq = ++s.sendSeq;
  traceMessages(node, [appendEntries(peer.name, request)]);
  void peer
    .send<AppendReply>('POST', '/internal/append-entries', request, node.config.rpcTimeoutMs)
    .then(async (reply) => {
      s.inFlight.delete(peer.name);
      const body = await leaderHears(node, term, reply, (b) => appendAck(peer.name, request, b));
      if (body) handleAppendReply(node, peer, request, body, seq);
    })
    .catch(() => s.inFlight.delete(peer.name));
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
  s.lastAckAt.set(peer.name, node.now());
  s.ackedSeq.set(peer.name, Math.max(s.ackedSeq.get(peer.name) ?? 0, seq));
  settleReads(node);
  const { prevLogIndex } = request;
  if (body.success) {
    const match = body.matchIndex ?? prevLogIndex + request.entries.length;
    if (match > (s.matchIndex.get(peer.name) ?? 0)) {
      s.matchIndex.set(peer.name, match);
      emit(node, 'entry:replicated', { to: peer.name, matchIndex: match });
    }
    s.nextIndex.set(peer.name, match + 1);
    advanceCommitIndex(node);
  } else {
    s.nextIndex.set(peer.name, Math.max(1, Math.min(body.retryFrom ?? prevLogIndex, prevLogIndex)));
  }
  const hasMore = (s.nextIndex.get(peer.name) ?? 0) <= lastIndex(s.log);
  if (hasMore || s.wantsResend.has(peer.name)) sendAppendEntries(node, peer);
}

/** Rule: the leader commits the highest index a majority stores, if it is of its own term (§5.4.2). */
export function advanceCommitIndex(node: RaftNode): void {
  const s = node.state;
  if (s.role !== 'leader') return;
  const matches = [lastIndex(s.log), ...node.peers.map((p) => s.matchIndex.get(p.name) ?? 0)];
  const next = leaderCommitIndex(matches, s.log, s.election.currentTerm, s.commitIndex);
  if (next > s.commitIndex) {
    s.commitIndex = next;
    applyCommitted(node);
  }
}

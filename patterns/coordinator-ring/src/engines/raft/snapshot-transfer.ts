import type { PeerLink } from '../../cluster/peer-link.ts';
import { compactedTermAt, entriesAfter, termAt, withTermsOf } from '../../domain/replicated-log.ts';
import { heedLeader } from './follower-log.ts';
import { rebuildTips } from './local-log.ts';
import type { SnapshotChunk, SnapshotReply } from './messages.ts';
import { emit, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';
import { leaderHears } from './role-changes.ts';
import type { SnapshotMeta } from './snapshot-store.ts';
import { applyCommitted, wakeApplyWaiters } from './state-machine.ts';
import { installSnapshot, snapshotAck } from './trace-messages.ts';

/** Keys per chunk: at most 256 × 4 KiB values, about 1 MiB a message. */
const chunkPairs = 256;

/**
 * Rule (leader): a follower whose next entry was compacted away gets the
 * state machine instead (InstallSnapshot, §7), frozen at its applied index and
 * sent in chunks, one at a time. Nothing else is sent to it meanwhile; once
 * the last chunk is stored, AppendEntries go on from the snapshot's index.
 */
export function sendSnapshot(node: RaftNode, peer: PeerLink): void {
  const s = node.state;
  if (s.role !== 'leader' || s.isStopped || s.sendingSnapshot.has(peer.name)) return;
  s.sendingSnapshot.add(peer.name);
  void transfer(node, peer, s.election.currentTerm)
    .catch(() => undefined)
    .finally(() => {
      s.sendingSnapshot.delete(peer.name);
      void node.snapshots.dropFrozen(peer.name).catch(() => undefined);
    });
}

async function transfer(node: RaftNode, peer: PeerLink, term: number): Promise<void> {
  const s = node.state;
  const index = await node.snapshots.freeze(peer.name);
  const lastIncludedTerm = compactedTermAt(s.log, index);
  if (lastIncludedTerm === undefined) return;
  const compactedTerms = withTermsOf(
    s.log.compactedTerms,
    entriesAfter(s.log, s.log.snapshotIndex, index),
  ).filter(([first]) => first <= index);
  let cursor = '0';
  for (let offset = 0; ; offset++) {
    const [next, pairs] = await node.snapshots.readChunk(peer.name, cursor, chunkPairs);
    const chunk: SnapshotChunk = {
      term,
      leaderId: node.id,
      lastIncludedIndex: index,
      lastIncludedTerm,
      compactedTerms,
      offset,
      pairs,
      done: next === '0',
    };
    traceMessages(node, [installSnapshot(peer.name, chunk)]);
    const reply = await peer.send<SnapshotReply>(
      'POST',
      '/internal/install-snapshot',
      chunk,
      node.config.writeTimeoutMs,
    );
    const body = await leaderHears(node, term, reply, (b) => snapshotAck(peer.name, chunk, b));
    if (!body) return;
    s.lastAckAt.set(peer.name, node.now());
    if (!body.success) return;
    if (chunk.done) break;
    cursor = next;
  }
  node.tally.snapshotsSent += 1;
  if (index > (s.matchIndex.get(peer.name) ?? 0)) {
    s.matchIndex.set(peer.name, index);
    emit(node, 'entry:replicated', { to: peer.name, matchIndex: index });
  }
  s.nextIndex.set(peer.name, index + 1);
}

/**
 * InstallSnapshot, follower's side: chunks of the current leader's snapshot
 * are staged in order (a chunk out of order is refused and the leader starts
 * over); the last one swaps the staged state machine in.
 */
export async function handleInstallSnapshot(node: RaftNode, chunk: SnapshotChunk): Promise<SnapshotReply> {
  const s = node.state;
  const reply = await node.queue.run(async (): Promise<SnapshotReply> => {
    const refuse = { term: s.election.currentTerm, success: false };
    if (!(await heedLeader(node, chunk.term, chunk.leaderId))) return refuse;
    const { leaderId, term, lastIncludedIndex: index } = chunk;
    if (chunk.offset === 0) s.incoming = { leaderId, term, index, nextOffset: 0 };
    const incoming = s.incoming;
    const isExpected =
      incoming !== null &&
      incoming.leaderId === leaderId &&
      incoming.term === term &&
      incoming.index === index &&
      incoming.nextOffset === chunk.offset;
    if (!isExpected) return refuse;
    await node.snapshots.stageChunk(chunk.offset === 0, chunk.pairs);
    incoming.nextOffset = chunk.offset + 1;
    if (chunk.done) {
      s.incoming = null;
      await installStaged(node, {
        snapshotIndex: index,
        snapshotTerm: chunk.lastIncludedTerm,
        compactedTerms: chunk.compactedTerms,
      });
    }
    return { term: s.election.currentTerm, success: true };
  });
  traceMessages(node, [installSnapshot(node.id, chunk), snapshotAck(node.id, chunk, reply)]);
  return reply;
}

/**
 * Rule: a snapshot newer than what this node applied replaces its state
 * machine; the log keeps the entries after the snapshot if it holds the
 * snapshot's own entry (same index and term), else it is discarded whole.
 */
async function installStaged(node: RaftNode, meta: SnapshotMeta): Promise<void> {
  const s = node.state;
  s.isInstalling = true;
  try {
    // An apply in flight finishes first: it must not write old versions over the new state.
    while (s.isApplying) await new Promise((resolve) => setTimeout(resolve, 2));
    if (meta.snapshotIndex <= s.lastApplied) return;
    const keepsTail = termAt(s.log, meta.snapshotIndex) === meta.snapshotTerm;
    const drop = meta.snapshotIndex - s.log.snapshotIndex;
    try {
      await node.snapshots.install(meta, keepsTail ? drop : null);
    } catch (error) {
      if (!(await node.snapshots.tookEffect(meta))) throw error;
    }
    s.log = { ...meta, entries: keepsTail ? s.log.entries.slice(drop) : [] };
    s.lastApplied = meta.snapshotIndex;
    s.commitIndex = Math.max(s.commitIndex, meta.snapshotIndex);
    rebuildTips(node);
    node.tally.snapshotsInstalled += 1;
    wakeApplyWaiters(node);
  } finally {
    s.isInstalling = false;
  }
  applyCommitted(node);
}

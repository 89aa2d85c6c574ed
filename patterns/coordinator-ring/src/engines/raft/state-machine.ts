import { majority } from '../../domain/election.ts';
import { entriesAfter, termAt } from '../../domain/replicated-log.ts';
import type { LogEntry } from '../../domain/replicated-log.ts';
import type { StoredVersion } from '../ring-engine.ts';
import { noQuorum, withTimeout } from './node-errors.ts';
import { emit } from './node-events.ts';
import type { RaftNode } from './node-state.ts';

/** Entries per apply: small batches keep each MULTI well inside the Redis command timeout. */
export const applyBatchEntries = 128;

/** Rule: applies committed entries in order, one batch at a time, then wakes waiting writes and reads. */
export function applyCommitted(node: RaftNode): void {
  const s = node.state;
  if (s.isApplying) return;
  s.isApplying = true;
  void applyLoop(node).finally(() => {
    s.isApplying = false;
  });
}

async function applyLoop(node: RaftNode): Promise<void> {
  const s = node.state;
  // A snapshot being installed replaces the state machine: nothing may be applied under it.
  while (s.lastApplied < s.commitIndex && !s.isStopped && !s.isInstalling) {
    const batch = entriesAfter(
      s.log,
      s.lastApplied,
      Math.min(s.commitIndex, s.lastApplied + applyBatchEntries),
    );
    if (batch.length === 0) return;
    try {
      await node.store.apply(batch);
    } catch {
      // Redis down or slow: applying is idempotent, so the ticker simply tries again.
      return;
    }
    appliedBatch(node, batch);
  }
}

/** After a batch is applied in Redis (here, or with the append that stored it: follower-log.ts). */
export function appliedBatch(node: RaftNode, batch: readonly LogEntry[]): void {
  const s = node.state;
  // A snapshot installed meanwhile moved lastApplied past this batch: keep the newer position.
  s.lastApplied = Math.max(s.lastApplied, batch[batch.length - 1]?.index ?? s.lastApplied);
  node.tally.entriesCommitted += batch.length;
  for (const entry of batch) afterApply(node, entry);
  wakeApplyWaiters(node);
}

export function wakeApplyWaiters(node: RaftNode): void {
  const s = node.state;
  s.applyWaiters = s.applyWaiters.filter((w) => {
    if (w.index > s.lastApplied) return true;
    w.resolve();
    return false;
  });
}

function afterApply(node: RaftNode, entry: LogEntry): void {
  const s = node.state;
  const command = entry.command;
  if (command.type !== 'noop') {
    s.lastWrite = { key: command.key, index: entry.index, term: entry.term, clock: command.clock };
  }
  emit(node, 'entry:committed', {
    index: entry.index,
    term: entry.term,
    key: command.type === 'noop' ? null : command.key,
    value: command.type === 'put' ? command.value : null,
    clock: command.type === 'noop' ? null : command.clock,
  });
}

/**
 * A linearizable read (Raft's ReadIndex): note the commit index, confirm
 * with a majority that this node is still the leader (`sendRound` sends the
 * AppendEntries whose acknowledgements confirm it), wait until applied, then
 * read locally. No log write needed.
 */
export async function readLinearizable(
  node: RaftNode,
  key: string,
  sendRound: () => void,
): Promise<StoredVersion | undefined> {
  const s = node.state;
  if (s.role !== 'leader') throw noQuorum(node, 'this node is not the leader');
  const term = s.election.currentTerm;
  // Until an entry of its own term is committed, a new leader does not know the commit index.
  if (termAt(s.log, s.commitIndex) !== term) {
    await waitFor(node, () => termAt(s.log, s.commitIndex) === term, 'its first entry is not committed yet');
  }
  const readIndex = s.commitIndex;
  // Only requests sent after this point can confirm: a reply to an older one may predate the read.
  const since = s.sendSeq + 1;
  const confirmed = new Promise<void>((resolve) => s.readWaiters.push({ since, resolve }));
  sendRound();
  settleReads(node);
  await withTimeout(confirmed, node.config.electionTimeoutMaxMs, () =>
    noQuorum(node, 'a majority did not confirm this leader in time'),
  );
  if (s.role !== 'leader' || s.election.currentTerm !== term) {
    throw noQuorum(node, 'leadership was lost during the read');
  }
  if (s.lastApplied < readIndex) {
    await new Promise<void>((resolve) => s.applyWaiters.push({ index: readIndex, resolve }));
  }
  return node.store.read(key);
}

/** Wakes every read that a majority has now confirmed. */
export function settleReads(node: RaftNode): void {
  const s = node.state;
  if (s.readWaiters.length === 0) return;
  const needed = majority(node.members.length) - 1;
  s.readWaiters = s.readWaiters.filter((w) => {
    const confirmations = node.peers.filter((p) => (s.ackedSeq.get(p.name) ?? 0) >= w.since).length;
    if (confirmations < needed) return true;
    w.resolve();
    return false;
  });
}

async function waitFor(node: RaftNode, condition: () => boolean, what: string): Promise<void> {
  const deadline = node.now() + node.config.electionTimeoutMaxMs;
  while (!condition()) {
    if (node.now() > deadline || node.state.role !== 'leader') throw noQuorum(node, what);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

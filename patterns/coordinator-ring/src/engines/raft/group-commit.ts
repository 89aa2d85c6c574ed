import { toJSON } from '@kvs-lab/shared/vector-clock';
import { lastIndex } from '../../domain/replicated-log.ts';
import type { Command, LogEntry } from '../../domain/replicated-log.ts';
import { stampWrite } from '../../domain/write-clock.ts';
import { AppError } from '../../errors.ts';
import type { Proposed, Replaced } from '../ring-engine.ts';
import { advanceCommitIndex, replicateToAll } from './leader-replication.ts';
import { compactedParents, noteTip, rebuildTips, repairLog } from './local-log.ts';
import { noQuorum, withTimeout } from './node-errors.ts';
import { emitAppended } from './node-events.ts';
import type { Placed, RaftNode } from './node-state.ts';
import { hasQuorumContact } from './role-changes.ts';

/**
 * The leader's write path: order the write as a log entry stamped with its
 * clock, replicate, and resolve once a majority stores it (committed: see
 * advanceCommitIndex). Applying it comes after; a linearizable read waits for that.
 */
export async function propose(node: RaftNode, key: string, value: string | null): Promise<Proposed> {
  const s = node.state;
  if (s.role !== 'leader') throw noQuorum(node, 'this node is not the leader');
  if (!hasQuorumContact(node, node.now())) {
    throw noQuorum(node, 'the leader has not heard from a majority within the election timeout');
  }
  const { entry, replaces } = await new Promise<Placed>((resolve, reject) => {
    s.proposals.push({ key, value, resolve, reject });
    flushProposals(node);
  });
  const committed = new Promise<void>((resolve, reject) => {
    s.commitWaiters.set(entry.index, { term: entry.term, resolve, reject });
  });
  // Already committed (a one-node ring commits as it appends): nothing to wait for.
  if (s.commitIndex >= entry.index) s.commitWaiters.get(entry.index)?.resolve();
  const { writeTimeoutMs } = node.config;
  await withTimeout(
    committed,
    writeTimeoutMs,
    () =>
      new AppError(
        'COMMIT_UNKNOWN',
        `No majority stored entry ${entry.index} within ${writeTimeoutMs} ms; it may still commit.`,
        { extras: { index: entry.index, term: entry.term } },
      ),
  ).finally(() => s.commitWaiters.delete(entry.index));
  const command = entry.command;
  return {
    term: entry.term,
    index: entry.index,
    clock: command.type === 'noop' ? {} : command.clock,
    replaces,
  };
}

/**
 * Group commit: every write waiting when the queue gets to it is stamped and
 * appended with one RPUSH, so 50 concurrent writes cost one Redis round trip,
 * not 50 in a row.
 */
function flushProposals(node: RaftNode): void {
  const s = node.state;
  if (s.isFlushing) return;
  s.isFlushing = true;
  void node.queue
    .run(async () => {
      while (s.proposals.length > 0) await appendBatch(node);
    })
    .finally(() => {
      s.isFlushing = false;
      if (s.proposals.length > 0) flushProposals(node);
    });
}

async function appendBatch(node: RaftNode): Promise<void> {
  const s = node.state;
  const batch = s.proposals.splice(0, node.config.maxBatchEntries);
  if (s.role !== 'leader') {
    for (const p of batch) p.reject(noQuorum(node, 'leadership was lost before the write was ordered'));
    return;
  }
  let parents: Awaited<ReturnType<typeof compactedParents>>;
  try {
    parents = await compactedParents(
      node,
      batch.map((p) => p.key),
    );
  } catch (error) {
    // Nothing was appended: the writes are refused, and the loop goes on with the next batch.
    for (const p of batch) p.reject(error);
    return;
  }
  const entries: LogEntry[] = [];
  const replaced: (Replaced | null)[] = [];
  for (const { key, value } of batch) {
    const index = lastIndex(s.log) + entries.length + 1;
    const tip = s.tips.get(key) ?? parents.get(key);
    replaced.push(tip ? { index: tip.index, clock: toJSON(tip.clock) } : null);
    const clock = toJSON(stampWrite(tip?.clock, node.id, index));
    const command: Command =
      value === null ? { type: 'delete', key, clock } : { type: 'put', key, value, clock };
    const entry: LogEntry = { index, term: s.election.currentTerm, command };
    entries.push(entry);
    noteTip(node, entry);
  }
  try {
    await node.store.appendLog(null, entries);
  } catch (error) {
    rebuildTips(node);
    await repairLog(node);
    for (const p of batch) p.reject(error);
    return;
  }
  s.log.entries.push(...entries);
  node.tally.entriesAppended += entries.length;
  entries.forEach((entry, i) => {
    emitAppended(node, entry);
    batch[i]?.resolve({ entry, replaces: replaced[i] ?? null });
  });
  advanceCommitIndex(node);
  // One AppendEntries per follower carries the whole batch (or joins the pipeline behind those on their way).
  replicateToAll(node, 'entries');
}

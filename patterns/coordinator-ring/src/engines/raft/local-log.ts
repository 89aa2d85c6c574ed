import { fromJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import type { LogEntry } from '../../domain/replicated-log.ts';
import type { RaftNode } from './node-state.ts';
import { becomeFollower } from './role-changes.ts';

/** Remembers the entry's clock as its key's newest, which the next write to the key is stamped on. */
export function noteTip(node: RaftNode, entry: LogEntry): void {
  if (entry.command.type === 'noop') return;
  node.state.tips.set(entry.command.key, { clock: fromJSON(entry.command.clock), index: entry.index });
}

export function rebuildTips(node: RaftNode): void {
  node.state.tips = new Map();
  for (const entry of node.state.log.entries) noteTip(node, entry);
}

/**
 * After a failed or timed-out append, Redis may or may not hold the new
 * entries: cut its list back to what memory holds so positions and indexes
 * keep matching. If even that fails, stop leading.
 */
export async function repairLog(node: RaftNode): Promise<void> {
  try {
    await node.store.truncateLog(node.state.log.entries.length);
  } catch {
    if (node.state.role === 'leader') becomeFollower(node, null);
  }
}

/**
 * The applied versions of the keys whose last write the log no longer holds
 * (compacted into the snapshot): what their next write is stamped on. A key
 * not in the tips has its newest write at or before the snapshot, so the
 * state machine holds it.
 */
export async function compactedParents(
  node: RaftNode,
  names: readonly string[],
): Promise<Map<string, { readonly clock: VectorClock; readonly index: number }>> {
  const s = node.state;
  const parents = new Map<string, { readonly clock: VectorClock; readonly index: number }>();
  if (s.log.snapshotIndex === 0) return parents;
  const missing = [...new Set(names.filter((name) => !s.tips.has(name)))];
  const versions = await node.store.readMany(missing);
  missing.forEach((name, i) => {
    const version = versions[i];
    if (version) parents.set(name, { clock: fromJSON(version.clock), index: version.index });
  });
  return parents;
}

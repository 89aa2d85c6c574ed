import { fromJSON } from '@kvs-lab/shared/vector-clock';
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
  for (const entry of node.state.log) noteTip(node, entry);
}

/**
 * After a failed or timed-out append, Redis may or may not hold the new
 * entries: cut its list back to what memory holds so positions and indexes
 * keep matching. If even that fails, stop leading.
 */
export async function repairLog(node: RaftNode): Promise<void> {
  try {
    await node.store.truncateLog(node.state.log.length);
  } catch {
    if (node.state.role === 'leader') becomeFollower(node, null);
  }
}

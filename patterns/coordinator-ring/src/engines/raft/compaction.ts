import { compactionIndex, termAt, withTermsOf } from '../../domain/replicated-log.ts';
import type { RaftNode } from './node-state.ts';

/** Whether enough applied entries sit after the snapshot to compact now. */
export function isCompactionDue(node: RaftNode): boolean {
  const s = node.state;
  return !s.isCompacting && compactionIndex(s.lastApplied, s.log.snapshotIndex, policyOf(node)) !== null;
}

/**
 * Rule (every node, on its own): once enough entries are applied, the state
 * machine (already durable, with its applied index) stands for them, and the
 * log drops them (§7). The log stays bounded; a restart reads the state
 * machine and the short tail. In the serial queue, so no append moves the
 * list under it.
 */
export function compactLog(node: RaftNode): void {
  const s = node.state;
  s.isCompacting = true;
  void node.queue
    .run(async () => {
      const target = compactionIndex(s.lastApplied, s.log.snapshotIndex, policyOf(node));
      const term = target === null ? undefined : termAt(s.log, target);
      if (target === null || term === undefined) return;
      const drop = target - s.log.snapshotIndex;
      const meta = {
        snapshotIndex: target,
        snapshotTerm: term,
        compactedTerms: withTermsOf(s.log.compactedTerms, s.log.entries.slice(0, drop)),
      };
      try {
        await node.snapshots.compact(meta, drop);
      } catch (error) {
        if (!(await node.snapshots.tookEffect(meta))) throw error;
      }
      s.log = { ...meta, entries: s.log.entries.slice(drop) };
      // A key whose last write is now in the snapshot is read from the state machine when written next.
      for (const [key, tip] of s.tips) if (tip.index <= target) s.tips.delete(key);
      node.tally.compactions += 1;
    })
    .catch(() => undefined)
    .finally(() => {
      s.isCompacting = false;
    });
}

function policyOf(node: RaftNode): { every: number; keep: number } {
  return { every: node.config.snapshotEveryEntries, keep: node.config.snapshotKeepEntries };
}

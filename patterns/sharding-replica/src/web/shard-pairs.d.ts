import type { FailoverEvent, ShardStatus } from '../realtime/events.ts';

export function nodeHealth(node: ShardStatus['master'] | undefined): 'up' | 'suspect' | 'dead' | 'none';
export function applyFailover(shards: readonly ShardStatus[], event: FailoverEvent): ShardStatus[];
export function promotedNodes(
  shards: readonly ShardStatus[],
  failovers: readonly FailoverEvent[],
): Map<string, FailoverEvent>;

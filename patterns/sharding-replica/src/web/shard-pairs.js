// What the master/replica pairs show, from the events: each node's health as the failure
// detector sees it, and a failover applied at once (the next status sample confirms it).

/** `dead` once declared, `suspect` while it misses pings that have not yet added up, else `up`. */
export function nodeHealth(node) {
  if (!node) return 'none';
  if (!node.isAlive) return 'dead';
  return node.missedPings > 0 ? 'suspect' : 'up';
}

/**
 * The shards after a failover event: the promoted replica drawn as the master, the old master as
 * the shard's (dead) replica, until a status sample says otherwise.
 */
export function applyFailover(shards, event) {
  return shards.map((shard) => {
    if (shard.id !== event.shard || shard.master.name === event.to) return shard;
    const promoted = shard.replica?.name === event.to ? shard.replica : undefined;
    const master = { ...(promoted ?? { name: event.to, offset: undefined, linkStatus: undefined }) };
    return {
      ...shard,
      master: { ...master, role: 'master', isAlive: true, missedPings: 0 },
      replica: { ...shard.master, role: 'replica', isAlive: false },
      lagBytes: undefined,
    };
  });
}

/** The last failover of each shard whose promoted node is still its master: drawn as "promoted". */
export function promotedNodes(shards, failovers) {
  const promoted = new Map();
  for (const f of failovers) promoted.set(f.shard, f);
  const result = new Map();
  for (const shard of shards) {
    const f = promoted.get(shard.id);
    if (f && f.to === shard.master.name) result.set(f.to, f);
  }
  return result;
}

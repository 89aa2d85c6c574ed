// The page's title, from the engine the service runs: the lesson is Redlock, but an etcd
// run must not be called Redlock. Kept apart from the page so a test can check it.

/** Before the snapshot says which engine runs. */
export const neutralTitle = 'distributed lock: leases, fencing tokens, FIFO queue';

/** "distributed lock on Redlock: 5 nodes vote, 3 grant" or "distributed lock on etcd: ...". */
export function titleFor(snapshot) {
  if (snapshot?.engine === 'etcd') {
    return `distributed lock on etcd: ${snapshot.nodeCount ?? 3} members (Raft) grant leases, fencing tokens, FIFO queue`;
  }
  if (snapshot?.engine === 'redlock') {
    return `distributed lock on Redlock: ${snapshot.nodeCount ?? 5} nodes vote, ${snapshot.quorum ?? 3} grant, fencing tokens, FIFO queue`;
  }
  return neutralTitle;
}

/**
 * Every Redis key of coordinator-ring. Each node has its own Redis; the node
 * id is still in each key so that two nodes sharing one Redis (a test, a
 * small machine) cannot mix their state.
 */
const prefix = 'lab:coordinator-ring';

export const keys = {
  /** Hash { currentTerm, votedFor }: the promises a node must keep across restarts. */
  election: (nodeId: string) => `${prefix}:election:${nodeId}`,
  /** List of JSON log entries after the snapshot; position i holds index snapshotIndex + i + 1. */
  log: (nodeId: string) => `${prefix}:log:${nodeId}`,
  /** Hash { index, term, terms }: where the log was compacted, and the terms of the compacted entries. */
  snapshot: (nodeId: string) => `${prefix}:snapshot:${nodeId}`,
  /** Hash like `data`: a snapshot being received in chunks (InstallSnapshot), renamed to `data` when whole. */
  snapshotIncoming: (nodeId: string) => `${prefix}:snapshot-in:${nodeId}`,
  /** Hash like `data`: a frozen copy of this node's state machine being sent to `peer` in chunks. */
  snapshotOutgoing: (nodeId: string, peer: string) => `${prefix}:snapshot-out:${nodeId}:${peer}`,
  /** Hash key -> JSON { value, clock, term, index }: the applied state machine (value null: deleted). */
  data: (nodeId: string) => `${prefix}:data:${nodeId}`,
  /** String: the index of the last entry applied to `data`, written in the same MULTI. */
  applied: (nodeId: string) => `${prefix}:applied:${nodeId}`,
} as const;

/**
 * Every Redis key of this pattern, and nothing else builds one. The lock
 * nodes each hold the same key set; the protected resource lives on its own
 * node (`fenced-store`), a separate system, as Kleppmann's critique assumes.
 */
const prefix = 'lab:distributed-lock';

export const keys = {
  /** Hash on each lock node: the lease (token, owner, instance, fencingToken), with PX = ttlMs. */
  lock: (resource: string) => `${prefix}:lock:${resource}`,
  /** Sorted set on each lock node: waiter member -> ticket (the FIFO order). */
  queue: (resource: string) => `${prefix}:queue:${resource}`,
  /** Sorted set on each lock node: waiter member -> node-clock deadline in ms (waiters that stop polling drop out). */
  queueLease: (resource: string) => `${prefix}:queue-lease:${resource}`,
  /** Integer on each lock node: the highest fencing token this node was raised to. */
  fencing: (resource: string) => `${prefix}:fencing:${resource}`,
  /** Integer on each lock node: the highest queue ticket. */
  ticket: (resource: string) => `${prefix}:ticket:${resource}`,
  /** On each lock node: present while the node remembers; gone after a restart that lost its data. */
  nodeMarker: `${prefix}:node:incarnation`,
  /** On each lock node: present (with a TTL) while the node sits out its delayed restart. */
  nodeQuarantine: `${prefix}:node:quarantine`,
  /** Pub/sub channel on each lock node: every release and extension is announced here (JSON). */
  releasedChannel: `${prefix}:released`,
  /** Hash on fenced-store: value, highestToken, acceptedCount, rejectedCount. */
  resource: (name: string) => `${prefix}:resource:${name}`,
  /** List on fenced-store, newest first: accepted writes. */
  resourceAccepted: (name: string) => `${prefix}:resource-accepted:${name}`,
  /** List on fenced-store, newest first: rejected (stale) writes. */
  resourceRejected: (name: string) => `${prefix}:resource-rejected:${name}`,
  /** Set on fenced-store: every resource name written, for /check. */
  resourceIndex: `${prefix}:resources`,
} as const;

/**
 * Gossip failure detection (van Renesse et al., 1998). Each node bumps its own
 * heartbeat counter every interval and pushes its whole table to its ring
 * successors; a receiver keeps, per member, the highest counter seen and the
 * local time it last went up. A member whose counter has not moved for half
 * the timeout is suspect, for the whole timeout dead. Only local time is
 * compared with local time, so clocks need not agree across nodes.
 */

export type MemberState = 'alive' | 'suspect' | 'dead';

export interface MemberView {
  /** The highest heartbeat counter heard for this member, directly or by gossip. */
  readonly heartbeat: number;
  /** Local time (ms) at which that counter last went up. */
  readonly updatedAt: number;
}

export type MembershipTable = Readonly<Record<string, MemberView>>;

/** What travels in a heartbeat: member id -> highest counter the sender knows. */
export type Gossip = Readonly<Record<string, number>>;

/** Every member starts alive at `now`: a fresh node gives the others a full timeout to be heard. */
export function initialTable(memberIds: readonly string[], now: number): MembershipTable {
  return Object.fromEntries(memberIds.map((id) => [id, { heartbeat: 0, updatedAt: now }]));
}

/** The table after this node's own heartbeat: its counter goes up by one. */
export function beat(table: MembershipTable, selfId: string, now: number): MembershipTable {
  const own = table[selfId]?.heartbeat ?? 0;
  return { ...table, [selfId]: { heartbeat: own + 1, updatedAt: now } };
}

/**
 * Merges a received table: a higher counter is news and refreshes the member;
 * an equal or lower one is old news and changes nothing. Unknown ids are ignored
 * (membership is fixed by configuration in this lab).
 */
export function mergeGossip(table: MembershipTable, gossip: Gossip, now: number): MembershipTable {
  let merged: Record<string, MemberView> | undefined;
  for (const [id, view] of Object.entries(table)) {
    const heard = gossip[id];
    if (heard === undefined || !Number.isSafeInteger(heard) || heard <= view.heartbeat) continue;
    merged ??= { ...table };
    merged[id] = { heartbeat: heard, updatedAt: now };
  }
  return merged ?? table;
}

/** The table as gossip. */
export function gossipOf(table: MembershipTable): Gossip {
  return Object.fromEntries(Object.entries(table).map(([id, view]) => [id, view.heartbeat]));
}

/** How long since the member's counter last moved, as seen here. */
export function heartbeatAgeMs(view: MemberView, now: number): number {
  return Math.max(0, now - view.updatedAt);
}

/** alive below half the timeout, suspect up to the timeout, dead beyond it. */
export function memberState(view: MemberView, now: number, failureTimeoutMs: number): MemberState {
  const age = heartbeatAgeMs(view, now);
  if (age >= failureTimeoutMs) return 'dead';
  if (age >= failureTimeoutMs / 2) return 'suspect';
  return 'alive';
}

import { quorumSize } from './quorum.ts';

/** Who held the lease, as the node recorded it: another instance may release or extend a lease it did not grant. */
export interface LeaseIdentity {
  readonly fencingToken: number | null;
  readonly owner: string;
}

/** One node's answer to "release / extend my lease": it was ours and it is done, it was not ours, or no answer. */
export type LeaseReply =
  | { readonly node: string; readonly kind: 'applied'; readonly lease?: LeaseIdentity }
  | { readonly node: string; readonly kind: 'not-ours' }
  | { readonly node: string; readonly kind: 'unreachable' };

export type ReleaseDecision =
  | { readonly kind: 'released'; readonly nodes: readonly string[]; readonly lease: LeaseIdentity | null }
  /** A majority answered and none held this token: whoever sent it holds nothing, and nothing changed. */
  | { readonly kind: 'not-holder' }
  | { readonly kind: 'quorum-unavailable'; readonly reachable: number; readonly needed: number };

/** A release is done once our lease is gone from every node that had it; leftovers on dead nodes expire. */
export function tallyRelease(replies: readonly LeaseReply[], nodeCount: number): ReleaseDecision {
  const needed = quorumSize(nodeCount);
  const nodes = replies.filter((r) => r.kind === 'applied').map((r) => r.node);
  if (nodes.length > 0) return { kind: 'released', nodes, lease: identityOf(replies) };
  const reachable = replies.filter((r) => r.kind !== 'unreachable').length;
  // Fewer than a majority answered: the lease may live on the silent majority, so say nothing definite.
  if (reachable < needed) return { kind: 'quorum-unavailable', reachable, needed };
  return { kind: 'not-holder' };
}

export type ExtendDecision =
  | { readonly kind: 'extended'; readonly nodes: readonly string[]; readonly lease: LeaseIdentity | null }
  | { readonly kind: 'lost'; readonly extendedOn: number; readonly needed: number }
  | { readonly kind: 'quorum-unavailable'; readonly reachable: number; readonly needed: number };

/** An extension holds only if a majority still had our lease: otherwise it expired or was taken. */
export function tallyExtend(replies: readonly LeaseReply[], nodeCount: number): ExtendDecision {
  const needed = quorumSize(nodeCount);
  const nodes = replies.filter((r) => r.kind === 'applied').map((r) => r.node);
  if (nodes.length >= needed) return { kind: 'extended', nodes, lease: identityOf(replies) };
  const reachable = replies.filter((r) => r.kind !== 'unreachable').length;
  if (reachable < needed) return { kind: 'quorum-unavailable', reachable, needed };
  return { kind: 'lost', extendedOn: nodes.length, needed };
}

/**
 * The lease as the nodes that had it recorded it (one token, so they agree), preferring a node that
 * recorded its fencing token: one that granted without raising its counter holds none; null if none said.
 */
function identityOf(replies: readonly LeaseReply[]): LeaseIdentity | null {
  const leases = replies.flatMap((r) => (r.kind === 'applied' && r.lease ? [r.lease] : []));
  return leases.find((l) => l.fencingToken !== null) ?? leases[0] ?? null;
}

import { quorumSize } from './quorum.ts';

/**
 * One node's answer to "may I hold this resource?" (Redlock step 2). A node
 * that answers also reports its fencing counter, so the grant and the first
 * half of the token's quorum read cost one round trip.
 */
export type AcquireVote =
  | {
      readonly node: string;
      readonly kind: 'granted';
      /** The node's fencing counter before this grant. */
      readonly fencingCounter: number;
      /** The node also raised its counter to the proposed token, in the same step (domain/fenced-grant.ts). */
      readonly raised?: boolean;
    }
  | {
      readonly node: string;
      readonly kind: 'held';
      readonly fencingCounter: number;
      readonly holderOwner: string;
      readonly holderTtlMs: number;
    }
  | {
      readonly node: string;
      readonly kind: 'queued';
      readonly fencingCounter: number;
      /** The waiter with the earliest ticket on this node: it goes first. */
      readonly headWaiter: string;
    }
  | { readonly node: string; readonly kind: 'recovering'; readonly remainingMs: number }
  | { readonly node: string; readonly kind: 'unreachable'; readonly reason: string };

export type AcquireDecision =
  | {
      readonly kind: 'granted';
      readonly grantedBy: readonly string[];
      /** Highest fencing counter among the answering nodes: a majority read. */
      readonly fencingFloor: number;
    }
  | {
      readonly kind: 'held';
      readonly votesFor: number;
      readonly needed: number;
      /** Nodes that said yes and must be released again, or they block everyone until the TTL. */
      readonly grantedBy: readonly string[];
      readonly holder?: { readonly owner: string; readonly ttlMs: number };
      readonly queuedAhead: number;
    }
  | {
      readonly kind: 'quorum-unavailable';
      readonly reachable: number;
      readonly needed: number;
      readonly grantedBy: readonly string[];
    };

/** Counts the votes of one attempt: granted on a majority, held, or not enough nodes to decide. */
export function tallyAcquireVotes(votes: readonly AcquireVote[], nodeCount: number): AcquireDecision {
  const needed = quorumSize(nodeCount);
  const grantedBy = votes.filter((v) => v.kind === 'granted').map((v) => v.node);
  const answering = votes.filter((v) => v.kind === 'granted' || v.kind === 'held' || v.kind === 'queued');
  if (grantedBy.length >= needed) {
    return {
      kind: 'granted',
      grantedBy,
      fencingFloor: Math.max(0, ...answering.map((v) => v.fencingCounter)),
    };
  }
  // A node sitting out its restart delay cannot vote either way: it counts as unreachable.
  if (answering.length < needed) {
    return { kind: 'quorum-unavailable', reachable: answering.length, needed, grantedBy };
  }
  const holders = votes.flatMap((v) =>
    v.kind === 'held' ? [{ owner: v.holderOwner, ttlMs: v.holderTtlMs }] : [],
  );
  // The holder most nodes name is the likely real one; a minority leftover names someone else.
  const holder = mostCommonOwner(holders);
  return {
    kind: 'held',
    votesFor: grantedBy.length,
    needed,
    grantedBy,
    ...(holder ? { holder } : {}),
    queuedAhead: votes.filter((v) => v.kind === 'queued').length,
  };
}

function mostCommonOwner(
  holders: readonly { owner: string; ttlMs: number }[],
): { owner: string; ttlMs: number } | undefined {
  const counts = new Map<string, { owner: string; ttlMs: number; count: number }>();
  for (const h of holders) {
    const seen = counts.get(h.owner);
    counts.set(h.owner, {
      owner: h.owner,
      ttlMs: Math.max(seen?.ttlMs ?? 0, h.ttlMs),
      count: (seen?.count ?? 0) + 1,
    });
  }
  const best = [...counts.values()].sort((a, b) => b.count - a.count)[0];
  return best ? { owner: best.owner, ttlMs: best.ttlMs } : undefined;
}

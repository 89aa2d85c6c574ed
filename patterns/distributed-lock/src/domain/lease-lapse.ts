import type { NodeLockState } from './lock-view.ts';
import { quorumSize } from './quorum.ts';

export type LapseVerdict =
  /** A majority still holds this lease (someone extended it): it runs at least `remainingMs` more. */
  | { readonly kind: 'held'; readonly remainingMs: number }
  /** A majority answered and fewer than a quorum hold it: the nodes let it go. */
  | { readonly kind: 'lapsed' }
  /** Too few nodes answered to tell. */
  | { readonly kind: 'unknown' };

/**
 * Whether a lease this instance believes expired really lapsed on the nodes.
 * Another instance may have extended it (its announcement can be missed), so
 * the local clock alone cannot call an expiry: only the nodes can.
 */
export function leaseLapse(states: readonly NodeLockState[], token: string, nodeCount: number): LapseVerdict {
  const needed = quorumSize(nodeCount);
  const answered = states.filter((s) => s.kind === 'up');
  const remaining = answered
    .flatMap((s) => (s.token === token && s.ttlMs !== null && s.ttlMs > 0 ? [s.ttlMs] : []))
    .sort((a, b) => b - a);
  // The quorum-th longest TTL: until then a majority still holds it.
  const atQuorum = remaining[needed - 1];
  if (atQuorum !== undefined) return { kind: 'held', remainingMs: atQuorum };
  // Nodes that did not answer could still hold it; a verdict needs enough answers to rule a majority out.
  const silent = states.length - answered.length;
  if (remaining.length + silent >= needed) return { kind: 'unknown' };
  return { kind: 'lapsed' };
}

export interface VoteMessage {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly detail?: unknown;
}
export interface ElectionSummary {
  readonly term: number;
  readonly candidate: string;
  readonly asked: string[];
  readonly granted: string[];
  readonly denied: string[];
  /** Null when this node was a voter: it saw its own vote, not the tally. */
  readonly isWon: boolean | null;
}
export function electionsFrom(
  messages: readonly VoteMessage[],
  clusterSize: number,
  self: string,
): ElectionSummary[];

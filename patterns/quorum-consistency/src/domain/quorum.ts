/**
 * The rule the pattern rests on. N replicas hold every key; a write counts as
 * done after W acknowledgements and a read after R answers. When W + R > N,
 * any R replicas include at least one of any W, so every read sees the latest
 * acknowledged write (or something newer).
 */

export interface QuorumSizes {
  /** Replicas that hold every key: fixed by the topology. */
  readonly n: number;
  /** Acknowledgements a write waits for (writeQuorum). */
  readonly w: number;
  /** Answers a read waits for (readQuorum). */
  readonly r: number;
}

/** True when every read quorum shares a replica with every write quorum (pigeonhole: W + R > N). */
export const quorumsOverlap = ({ n, w, r }: QuorumSizes): boolean => w + r > n;

/** Majority, the default for both quorums: any two majorities share a replica. */
export const majority = (n: number): number => Math.floor(n / 2) + 1;

export type QuorumCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** W and R must be whole numbers from 1 to N: more than N acknowledgements can never arrive. */
export function checkQuorumSizes({ n, w, r }: QuorumSizes): QuorumCheck {
  for (const [name, value] of [
    ['w', w],
    ['r', r],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > n) {
      return { ok: false, reason: `${name} must be an integer from 1 to N=${n}, got ${String(value)}` };
    }
  }
  return { ok: true };
}

/** How one replica answered a write. */
export type ReplicaWriteResult =
  /** The replica stored the version (or already held it or something newer). */
  | { readonly node: string; readonly status: 'ack' }
  /** Never sent (down, link cut): it certainly does not hold it. */
  | { readonly node: string; readonly status: 'unreachable'; readonly hintedOn?: string }
  /** Sent, no answer in time: it may hold it. */
  | { readonly node: string; readonly status: 'timeout'; readonly hintedOn?: string }
  /** Still in flight when the write answered at W: it lands, or is hinted, in the background. */
  | { readonly node: string; readonly status: 'pending' };

export interface WriteTally {
  readonly ok: boolean;
  /** Acknowledgements that count toward W. */
  readonly acks: number;
  readonly directAcks: number;
  /** Hints counted toward W (sloppy quorum only). */
  readonly hintedAcks: number;
  readonly needed: number;
  /** When the write failed: could it still be on some replica? */
  readonly outcome: 'not_applied' | 'indeterminate';
}

/**
 * Counts a write's acknowledgements against W. Under a sloppy quorum a hint
 * stored on another live replica stands in for the replica that is down (as in
 * Dynamo), but at least one replica must hold the version itself.
 */
export function tallyWrite(results: readonly ReplicaWriteResult[], w: number, isSloppy: boolean): WriteTally {
  const directAcks = results.filter((result) => result.status === 'ack').length;
  const hinted = results.filter((result) => 'hintedOn' in result && result.hintedOn !== undefined).length;
  const hintedAcks = isSloppy && directAcks > 0 ? hinted : 0;
  const acks = directAcks + hintedAcks;
  // Any replica that acknowledged or timed out may now hold the version: a failed write is not undone.
  const mayExist = directAcks > 0 || results.some((result) => result.status === 'timeout');
  return {
    ok: acks >= w,
    acks,
    directAcks,
    hintedAcks,
    needed: w,
    outcome: mayExist ? 'indeterminate' : 'not_applied',
  };
}

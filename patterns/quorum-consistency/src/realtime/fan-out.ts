/**
 * One request's fan-out as the live view draws it: the coordinator sent it to some replicas,
 * each answered (in an order) or failed, until W (a write) or R (a read) answers arrived.
 * Values never change in place: each answer makes a new fan-out.
 */
export type SendStatus = 'sent' | 'ack' | 'unreachable' | 'timeout' | 'not-asked';

export interface FanOut {
  readonly requestId: string;
  readonly kind: 'write' | 'delete' | 'read';
  readonly key: string;
  readonly coordinator: string;
  /** W for a write, R for a read: the threshold the picture marks. */
  readonly needed: number;
  readonly sends: readonly { node: string; status: SendStatus; order?: number }[];
  readonly acks: number;
  /** `reached` as soon as `needed` replicas answered; `failed` when the request gave up short of it. */
  readonly outcome: 'waiting' | 'reached' | 'failed';
  readonly hinted: readonly { target: string; heldBy: string }[];
  readonly repaired: readonly string[];
  readonly atMs: number;
}

/** A request sent to `asked` (every replica for a write, R of them for a read). */
export function startFanOut(input: {
  requestId: string;
  kind: FanOut['kind'];
  key: string;
  coordinator: string;
  needed: number;
  replicas: readonly string[];
  asked: readonly string[];
  atMs: number;
}): FanOut {
  return {
    requestId: input.requestId,
    kind: input.kind,
    key: input.key,
    coordinator: input.coordinator,
    needed: input.needed,
    sends: input.replicas.map((node) => ({
      node,
      status: input.asked.includes(node) ? 'sent' : 'not-asked',
    })),
    acks: 0,
    outcome: 'waiting',
    hinted: [],
    repaired: [],
    atMs: input.atMs,
  };
}

/** A read asks one more replica after one failed. */
export function withSent(fanOut: FanOut, node: string): FanOut {
  return {
    ...fanOut,
    sends: fanOut.sends.map((send) => (send.node === node ? { node, status: 'sent' } : send)),
  };
}

/** `node` answered (`ack`) or failed; an acknowledgement gets its arrival order, and the W-th one reaches the threshold. */
export function withAnswer(fanOut: FanOut, node: string, status: SendStatus): FanOut {
  const isAck = status === 'ack';
  const acks = fanOut.acks + (isAck ? 1 : 0);
  return {
    ...fanOut,
    sends: fanOut.sends.map((send) =>
      send.node === node ? { node, status, ...(isAck ? { order: acks } : {}) } : send,
    ),
    acks,
    outcome: fanOut.outcome === 'waiting' && acks >= fanOut.needed ? 'reached' : fanOut.outcome,
  };
}

/**
 * The request ended, as the coordinator tallied it (a sloppy quorum counts hints toward W, so
 * `isOk` is the tally's word, not the acknowledgements'); hints and repairs are what it left behind.
 */
export function settled(
  fanOut: FanOut,
  after: { isOk: boolean; hinted?: FanOut['hinted']; repaired?: FanOut['repaired'] },
): FanOut {
  return {
    ...fanOut,
    outcome: after.isOk ? 'reached' : 'failed',
    hinted: after.hinted ?? fanOut.hinted,
    repaired: after.repaired ?? fanOut.repaired,
  };
}

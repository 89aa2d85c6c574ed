/**
 * What the delivery script answered for one stream entry, and what a worker
 * does next. Delivery is at least once, so every outcome that means "this
 * effect is already in place" (applied now, applied before, or accounted for
 * as a dead letter) releases the entry; only NOT_YET and FAILED keep it pending.
 */

export const deliveryOutcomes = [
  'APPLIED', // the effect was applied now, exactly once
  'DUPLICATE', // the room's applied mark is already past it: a redelivery, effect skipped
  'GONE', // trimmed from the stream before delivery; the send already dead-lettered it
  'NOT_YET', // an older entry of the room is not applied yet: per-room order makes it wait
  'DEAD_LETTERED', // delivered more than maxDeliveries times; moved to the dead-letter stream
  'FAILED', // the handler failed (poison), or the room's members are unreadable; nothing applied, it stays in the PEL
] as const;

export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

/** The worker's next step for one entry. */
export interface WorkerStep {
  /** XACK it (the script already acked dead letters). */
  readonly ack: boolean;
  /** Forget it locally; anything not acked stays in the PEL, where a claim finds it. */
  readonly release: boolean;
  /** Go on with the room's next entry, or stop the room for this round to keep its order. */
  readonly continueRoom: boolean;
}

/** Narrows the script's reply; an unknown code is a bug in the script, not input. */
export function parseDeliveryOutcome(code: unknown): DeliveryOutcome {
  const found = deliveryOutcomes.find((outcome) => outcome === code);
  if (!found) throw new Error(`unknown delivery outcome ${String(code)}`);
  return found;
}

/** The rule a worker follows after each delivery attempt. */
export function stepAfter(outcome: DeliveryOutcome): WorkerStep {
  switch (outcome) {
    case 'APPLIED':
    case 'DUPLICATE':
    case 'GONE':
      return { ack: true, release: true, continueRoom: true };
    case 'DEAD_LETTERED':
      return { ack: false, release: true, continueRoom: true };
    case 'NOT_YET':
      // Hold it (and heartbeat it) until the older entry, owned by someone else, is applied.
      return { ack: false, release: false, continueRoom: false };
    case 'FAILED':
      // Released but not acked: it idles in the PEL and a claim redelivers it, counting a delivery.
      return { ack: false, release: true, continueRoom: false };
  }
}

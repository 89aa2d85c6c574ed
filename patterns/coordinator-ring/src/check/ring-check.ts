/**
 * The ring's checker, run by GET /check over what this node served. It proves
 * three things about the recorded window, and only those:
 * 1. no two leaders were seen in one term (by this node: as voter, follower or leader);
 * 2. every write this node acknowledged is in its log at the acknowledged
 *    (index, term) once its commit index has reached it: acknowledged means durable;
 * 3. per key, the reads and writes it served are linearizable (register model,
 *    unknown starting value; stale reads are left out, they promise nothing). Clients of
 *    other nodes write the same keys, so a read of a value this node never saw written is
 *    explained by such a write; the values it wrote itself still bind its reads.
 */
import type { CheckVerdict, Operation } from '@kvs-lab/shared/history';
import { checkRegister } from './register-check.ts';
import type { TimedOp } from './register-check.ts';

export type RingOpKind = 'write' | 'delete' | 'read' | 'stale-read';

export interface RingInput {
  readonly key: string;
  readonly value?: string;
}

export interface RingOutput {
  readonly value?: string | null;
  readonly term?: number;
  readonly index?: number;
}

/** One operation this node served, as the kit's history records it. */
export type RingOperation = Operation<RingInput, RingOutput>;

export interface LeaderSighting {
  readonly term: number;
  readonly leaderId: string;
}

export interface RingFacts {
  readonly leaderSightings: readonly LeaderSighting[];
  readonly commitIndex: number;
  /** The term of this node's log entry at `index`, undefined past its end. */
  readonly entryTermAt: (index: number) => number | undefined;
}

export interface RingVerdict extends CheckVerdict {
  readonly details: {
    readonly termsSeen: number;
    readonly acknowledgedWrites: number;
    readonly writesNotYetCommittedHere: number;
    readonly keysChecked: number;
    readonly keysUndecided: readonly string[];
    readonly staleReadsSkipped: number;
  };
}

/** Rule 1: the first term in which two different leaders were seen, if any. */
export function twoLeadersInOneTerm(
  sightings: readonly LeaderSighting[],
): { term: number; leaders: [string, string] } | undefined {
  const byTerm = new Map<number, string>();
  for (const { term, leaderId } of sightings) {
    const earlier = byTerm.get(term);
    if (earlier !== undefined && earlier !== leaderId) return { term, leaders: [earlier, leaderId] };
    byTerm.set(term, leaderId);
  }
  return undefined;
}

/** The register history of each key: ok and unknown updates, ok linearizable reads. */
function registerHistories(operations: readonly RingOperation[]): Map<string, TimedOp[]> {
  const byKey = new Map<string, TimedOp[]>();
  for (const op of operations) {
    const isUpdate = op.kind === 'write' || op.kind === 'delete';
    if (op.outcome === undefined || op.outcome === 'fail') {
      // A pending update may still land; a failed one (nothing applied) is left out.
      if (!(isUpdate && op.outcome === undefined)) continue;
    }
    if (op.kind === 'read' && op.outcome !== 'ok') continue;
    if (!isUpdate && op.kind !== 'read') continue;
    const value =
      op.kind === 'write'
        ? (op.input.value ?? null)
        : op.kind === 'delete'
          ? null
          : (op.output?.value ?? null);
    const timed: TimedOp = {
      id: op.id,
      op: op.kind === 'read' ? { f: 'read', value } : { f: 'write', value },
      call: op.invokedAt,
      ret: op.outcome === 'ok' ? op.completedAt : undefined,
    };
    const list = byKey.get(op.input.key) ?? [];
    list.push(timed);
    byKey.set(op.input.key, list);
  }
  return byKey;
}

/** Runs the three rules and answers in plain words with the first counter-example. */
export function checkRingHistory(
  operations: readonly RingOperation[],
  facts: RingFacts,
  /**
   * `isPartial` (the default): the operations are what one node served, and clients of other nodes
   * wrote the same keys unseen (see checkRegister's `othersWrite`). False when they are every node's.
   */
  options: { maxStepsPerKey?: number; isPartial?: boolean } = {},
): RingVerdict {
  const acknowledged = operations.filter(
    (op) => (op.kind === 'write' || op.kind === 'delete') && op.outcome === 'ok',
  );
  let notYetHere = 0;
  let lostWrite: RingOperation | undefined;
  for (const op of acknowledged) {
    const { index, term } = op.output ?? {};
    if (index === undefined || term === undefined) continue;
    if (index > facts.commitIndex) {
      notYetHere += 1;
      continue;
    }
    if (facts.entryTermAt(index) !== term && lostWrite === undefined) lostWrite = op;
  }
  const histories = registerHistories(operations);
  const undecided: string[] = [];
  let nonLinearizable: { key: string; op: unknown; placedBefore: number } | undefined;
  for (const [key, ops] of histories) {
    const verdict = checkRegister(ops, {
      initial: 'unknown',
      maxSteps: options.maxStepsPerKey ?? 200_000,
      othersWrite: options.isPartial ?? true,
    });
    if (verdict.result === 'unknown') undecided.push(key);
    if (verdict.result === 'not-linearizable' && nonLinearizable === undefined) {
      const op = operations.find((o) => o.id === verdict.stuckAt.id);
      nonLinearizable = { key, op, placedBefore: verdict.placedBefore };
    }
  }
  const doubleLeader = twoLeadersInOneTerm(facts.leaderSightings);
  const details = {
    termsSeen: new Set(facts.leaderSightings.map((s) => s.term)).size,
    acknowledgedWrites: acknowledged.length,
    writesNotYetCommittedHere: notYetHere,
    keysChecked: histories.size,
    keysUndecided: undecided,
    staleReadsSkipped: operations.filter((op) => op.kind === 'stale-read').length,
  };
  if (doubleLeader) {
    return {
      valid: false,
      summary: `Two leaders in term ${doubleLeader.term}: ${doubleLeader.leaders[0]} and ${doubleLeader.leaders[1]}.`,
      firstViolation: { rule: 'one-leader-per-term', ...doubleLeader },
      details,
    };
  }
  if (lostWrite) {
    return {
      valid: false,
      summary: `Acknowledged write ${lostWrite.id} of "${lostWrite.input.key}" at index ${lostWrite.output?.index} (term ${lostWrite.output?.term}) is not in the committed log: it was lost.`,
      firstViolation: { rule: 'acknowledged-writes-durable', operation: lostWrite },
      details,
    };
  }
  if (nonLinearizable) {
    return {
      valid: false,
      summary: `Key "${nonLinearizable.key}" is not linearizable: no order of its operations explains this one after ${nonLinearizable.placedBefore} others.`,
      firstViolation: { rule: 'linearizable-register', ...nonLinearizable },
      details,
    };
  }
  const undecidedText =
    undecided.length > 0
      ? ` ${undecided.length} key(s) were too tangled to decide within the search budget.`
      : '';
  return {
    valid: true,
    summary: `One leader per term over ${details.termsSeen} term(s); ${acknowledged.length} acknowledged write(s) durable (${notYetHere} not yet committed here); ${histories.size - undecided.length} key(s) linearizable.${undecidedText}`,
    details,
  };
}

import type { CheckVerdict, Operation } from '@kvs-lab/shared/history';

/**
 * The checker behind GET /check. It judges the promises this pattern makes:
 * a write acknowledged with `durability=replica` (WAIT saw the replica take
 * it) survives a failover; a key lives on exactly one master, its ring owner;
 * and writes acknowledged with `durability=async` may be lost on failover,
 * which is counted and reported, not hidden and not called a violation.
 */

export type Durability = 'async' | 'replica';

export type KvInput =
  | { readonly key: string; readonly value: string; readonly durability: Durability }
  | { readonly key: string; readonly consistency: 'eventual' | 'strong' }
  | { readonly key: string };

export interface KvOutput {
  readonly shard: string;
  readonly isReplicated?: boolean;
  readonly value?: string | null;
}

/** The last write of a key that nothing later could have overwritten: what a strong read must return. */
export interface ExpectedValue {
  readonly key: string;
  readonly value: string;
  readonly durability: Durability;
  readonly isReplicated: boolean;
  readonly operationId: number;
}

/** Where each key was found on the masters: its owner by the ring and every master that holds it. */
export interface Placement {
  readonly key: string;
  readonly owner: string;
  readonly foundOn: readonly string[];
}

export interface ShardingVerdict extends CheckVerdict {
  readonly details: {
    readonly replicaWritesChecked: number;
    readonly replicaWritesLost: number;
    readonly asyncWritesChecked: number;
    readonly asyncWritesLost: number;
    readonly lostAsyncKeys: readonly string[];
    readonly keysChecked: number;
    readonly keysMisplaced: number;
  };
}

/**
 * For each key whose last operation was an acknowledged write, that write is
 * what a strong read must see; a key with a later delete, a failed or
 * unknown write, or one still running is left out, since either answer would be allowed.
 */
export function expectedValues(operations: readonly Operation<KvInput, KvOutput>[]): ExpectedValue[] {
  const last = new Map<string, Operation<KvInput, KvOutput>>();
  for (const op of operations) {
    if (op.kind === 'write' || op.kind === 'delete') last.set(op.input.key, op);
  }
  const expected: ExpectedValue[] = [];
  for (const op of last.values()) {
    if (op.kind !== 'write' || op.outcome !== 'ok' || !('value' in op.input)) continue;
    expected.push({
      key: op.input.key,
      value: op.input.value,
      durability: op.input.durability,
      isReplicated: op.output?.isReplicated === true,
      operationId: op.id,
    });
  }
  return expected;
}

/** Judges the expected values against what strong reads returned now, and the placement of every key. */
export function checkSharding(
  expected: readonly ExpectedValue[],
  current: ReadonlyMap<string, string | null>,
  placements: readonly Placement[],
): ShardingVerdict {
  const isLost = (e: ExpectedValue) => current.get(e.key) !== e.value;
  const promised = expected.filter((e) => e.durability === 'replica' && e.isReplicated);
  const lostPromised = promised.filter(isLost);
  const bestEffort = expected.filter((e) => !(e.durability === 'replica' && e.isReplicated));
  const lostBestEffort = bestEffort.filter(isLost);
  const misplaced = placements.filter((p) => p.foundOn.length !== 1 || p.foundOn[0] !== p.owner);
  const details = {
    replicaWritesChecked: promised.length,
    replicaWritesLost: lostPromised.length,
    asyncWritesChecked: bestEffort.length,
    asyncWritesLost: lostBestEffort.length,
    lostAsyncKeys: lostBestEffort.slice(0, 20).map((e) => e.key),
    keysChecked: placements.length,
    keysMisplaced: misplaced.length,
  };
  const lossNote =
    lostBestEffort.length === 0
      ? 'no async write was lost'
      : `${lostBestEffort.length} of ${bestEffort.length} writes acknowledged without a replica were lost (the async window)`;
  const firstLost = lostPromised[0];
  if (firstLost) {
    return {
      valid: false,
      summary: `${lostPromised.length} write(s) acknowledged with durability=replica are not readable; ${lossNote}.`,
      firstViolation: { ...firstLost, found: current.get(firstLost.key) ?? null },
      details,
    };
  }
  const firstMisplaced = misplaced[0];
  if (firstMisplaced) {
    return {
      valid: false,
      summary: `${misplaced.length} key(s) are not on exactly their owner's master; ${lossNote}.`,
      firstViolation: firstMisplaced,
      details,
    };
  }
  return {
    valid: true,
    summary: `All ${promised.length} replica-acknowledged writes are readable and all ${placements.length} keys sit on exactly one master, their owner (by the ring or the slot map); ${lossNote}.`,
    details,
  };
}

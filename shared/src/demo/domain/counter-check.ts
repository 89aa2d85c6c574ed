/**
 * The kit demo's checker: what a linearizable grow-only counter promises.
 * HINCRBY is atomic, so (1) no two successful increments of one counter see
 * the same resulting value, and (2) a read that starts after an increment
 * finished returns at least that increment's value (time never goes back).
 */

export type CounterInput = { readonly name: string; readonly by?: number };
export type CounterOutput = { readonly value: number };

export interface CounterOperation {
  readonly id: number;
  readonly kind: string;
  readonly input: CounterInput;
  readonly invokedAt: number;
  readonly completedAt?: number;
  readonly outcome?: 'ok' | 'fail' | 'indeterminate';
  readonly output?: CounterOutput;
}

export type CounterVerdict =
  | { readonly valid: true; readonly summary: string }
  | { readonly valid: false; readonly summary: string; readonly firstViolation: unknown };

/** Checks both rules per counter and names the first operation that breaks one. */
export function checkCounterHistory(operations: readonly CounterOperation[]): CounterVerdict {
  const completed = operations.filter(
    (op) => op.outcome === 'ok' && op.output && op.completedAt !== undefined,
  );
  const increments = completed.filter((op) => op.kind === 'increment');
  const reads = completed.filter((op) => op.kind === 'read');

  // Rule 1: each successful increment of a counter produced a value no other one produced.
  const seen = new Map<string, number>();
  for (const op of increments) {
    const key = `${op.input.name}=${op.output?.value}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      return {
        valid: false,
        summary: `Increments ${earlier} and ${op.id} of "${op.input.name}" both returned ${op.output?.value}: one was lost.`,
        firstViolation: { rule: 'unique-increment-results', operations: [earlier, op.id] },
      };
    }
    seen.set(key, op.id);
  }

  // Rule 2: a read never returns less than an increment that finished before the read began.
  for (const read of reads) {
    for (const inc of increments) {
      if (inc.input.name !== read.input.name) continue;
      const finishedBefore = (inc.completedAt ?? Infinity) < read.invokedAt;
      if (finishedBefore && (read.output?.value ?? 0) < (inc.output?.value ?? 0)) {
        return {
          valid: false,
          summary: `Read ${read.id} of "${read.input.name}" returned ${read.output?.value}, but increment ${inc.id} had already made it ${inc.output?.value}: a stale read.`,
          firstViolation: { rule: 'reads-see-finished-increments', operations: [inc.id, read.id] },
        };
      }
    }
  }
  return {
    valid: true,
    summary: `Checked ${increments.length} increments and ${reads.length} reads: no lost increment, no stale read.`,
  };
}

import type { History } from '@kvs-lab/shared/history';
import { toAppError } from '@kvs-lab/shared/service';
import type { LsmInput, LsmOutput } from './check/lsm-check.ts';

type LsmHistory = History<LsmInput, LsmOutput>;

/**
 * Records one operation for /check: ok, fail (nothing applied) or indeterminate (it may have happened).
 * Every get passes here, so it allocates no arrays (recordEach would).
 */
export async function recordOne<T>(
  history: LsmHistory,
  process: string,
  kind: string,
  input: LsmInput,
  run: () => Promise<T>,
  output: (result: T) => LsmOutput,
): Promise<T> {
  const pending = history.invoke(process, kind, input);
  try {
    const result = await run();
    pending.ok(output(result));
    return result;
  } catch (error) {
    settleFailed(pending, error);
    throw error;
  }
}

/**
 * Records one operation per input (MSET: a put per key), all invoked before `run` starts and all
 * settled with its one outcome: the checker judges each key's reads against them as against any put.
 */
export async function recordEach<T>(
  history: LsmHistory,
  process: string,
  kind: string,
  inputs: readonly LsmInput[],
  run: () => Promise<T>,
  outputs: (result: T) => readonly LsmOutput[],
): Promise<T> {
  const pending = inputs.map((input) => history.invoke(process, kind, input));
  try {
    const result = await run();
    const settled = outputs(result);
    pending.forEach((op, i) => op.ok(settled[i] ?? {}));
    return result;
  } catch (error) {
    for (const op of pending) settleFailed(op, error);
    throw error;
  }
}

function settleFailed(op: ReturnType<LsmHistory['invoke']>, error: unknown): void {
  const appError = toAppError(error);
  if (appError.outcome === 'not_applied') op.fail(appError.code);
  else op.indeterminate(appError.code);
}

import { toAppError } from '../service/index.ts';
import type { History } from './history.ts';

/**
 * Runs `operation` and records it: resolved -> ok; an error that says nothing
 * was applied -> fail; anything else (a timeout, a bug mid-way) -> indeterminate.
 * The error is rethrown so the route answers as usual.
 */
export async function recorded<I, O>(
  history: History<I, O>,
  process: string,
  kind: string,
  input: I,
  operation: () => Promise<O>,
): Promise<O> {
  const pending = history.invoke(process, kind, input);
  try {
    const output = await operation();
    pending.ok(output);
    return output;
  } catch (error) {
    const appError = toAppError(error);
    if (appError.outcome === 'not_applied') pending.fail(appError.code);
    else pending.indeterminate(appError.code);
    throw error;
  }
}

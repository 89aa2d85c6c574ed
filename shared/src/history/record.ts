import { toAppError } from '../service/index.ts';
import type { History } from './history.ts';

/**
 * Runs `operation` and records it: resolved -> ok; an error that says nothing
 * was applied -> fail; anything else (a timeout, a bug mid-way) -> indeterminate.
 * The error is rethrown so the route answers as usual. `toOutput` picks what the
 * history keeps of the result (the checker's view), while the caller gets all of it.
 */
export function recorded<I, O>(
  history: History<I, O>,
  process: string,
  kind: string,
  input: I,
  operation: () => Promise<O>,
): Promise<O>;
export function recorded<I, O, R>(
  history: History<I, O>,
  process: string,
  kind: string,
  input: I,
  operation: () => Promise<R>,
  toOutput: (result: R) => O,
): Promise<R>;
export async function recorded<I, O, R>(
  history: History<I, O>,
  process: string,
  kind: string,
  input: I,
  operation: () => Promise<R>,
  toOutput?: (result: R) => O,
): Promise<R> {
  const pending = history.invoke(process, kind, input);
  try {
    const result = await operation();
    // Without a mapper the overloads make R and O the same type.
    pending.ok(toOutput ? toOutput(result) : (result as unknown as O));
    return result;
  } catch (error) {
    const appError = toAppError(error);
    if (appError.outcome === 'not_applied') pending.fail(appError.code);
    else pending.indeterminate(appError.code);
    throw error;
  }
}

import { isAppError } from '@kvs-lab/shared/service';

/** True when the command was certainly never executed (link cut, node down), false when it may have been. */
export function neverSent(error: unknown): boolean {
  return isAppError(error) && error.outcome === 'not_applied';
}

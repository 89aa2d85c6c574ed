import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** This pattern's error codes beside the kit's; statuses and outcomes live here only. */
export const lockErrors = defineErrorCodes({
  LOCK_HELD: { status: 409, title: 'Lock held', outcome: 'not_applied' },
  LOCK_WAIT_TIMEOUT: { status: 409, title: 'Lock not granted within waitMs', outcome: 'not_applied' },
  LOCK_LOST: { status: 409, title: 'Lock lost', outcome: 'not_applied' },
  NOT_LOCK_HOLDER: { status: 409, title: 'Not the lock holder', outcome: 'not_applied' },
  STALE_FENCING_TOKEN: { status: 409, title: 'Stale fencing token', outcome: 'not_applied' },
  QUORUM_UNAVAILABLE: { status: 503, title: 'Lock quorum unavailable', outcome: 'not_applied' },
  // etcd engine: a write got no answer; it may have committed (504, as the kit's timeouts).
  LOCK_INDETERMINATE: {
    status: 504,
    title: 'Lock change may or may not have happened',
    outcome: 'indeterminate',
  },
  ACQUIRE_TOO_SLOW: { status: 503, title: 'Acquiring took longer than the lease', outcome: 'not_applied' },
});

export type LockErrorCode = keyof typeof lockErrors;

export type ErrorCode = ErrorCodeOf<typeof lockErrors>;

/** This pattern's AppError: its code must be one of lockErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = lockErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** The pattern's own error codes, beside the kit's (VALIDATION_FAILED, REDIS_UNAVAILABLE...). */
export const quorumErrors = defineErrorCodes({
  QUORUM_NOT_REACHED: { status: 503, title: 'Quorum not reached', outcome: 'indeterminate' },
  INVALID_CONTEXT: { status: 400, title: 'Invalid causal context', outcome: 'not_applied' },
  INVALID_QUORUM: { status: 400, title: 'Invalid quorum sizes', outcome: 'not_applied' },
  UNKNOWN_REPLICA: { status: 404, title: 'Unknown replica', outcome: 'not_applied' },
});

export type ErrorCode = ErrorCodeOf<typeof quorumErrors>;

/** This pattern's AppError: its code must be one of quorumErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = quorumErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

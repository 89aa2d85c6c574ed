import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** HTTP error codes of gmail-pubsub beside the kit's (validation, Redis unavailable, timeout...). */
export const gmailErrors = defineErrorCodes({
  HISTORY_EXPIRED: { status: 404, title: 'History expired', outcome: 'not_applied' },
});

export type ErrorCode = ErrorCodeOf<typeof gmailErrors>;

/** This pattern's AppError: its code must be one of gmailErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = gmailErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

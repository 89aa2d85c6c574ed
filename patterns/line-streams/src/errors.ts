import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** This pattern's own error codes, beside the kit's (validation, 503/504 Redis, 413 body...). */
export const lineStreamsErrors = defineErrorCodes({
  MESSAGE_TOO_LARGE: { status: 413, title: 'Message text too large', outcome: 'not_applied' },
  RATE_LIMITED: { status: 429, title: 'Room over its rate limit', outcome: 'not_applied' },
  DEAD_LETTER_NOT_FOUND: { status: 404, title: 'No such dead letter', outcome: 'not_applied' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: 'clientMsgId reused for another message',
    outcome: 'not_applied',
  },
  GROUP_NOT_FOUND: { status: 404, title: 'No such consumer group', outcome: 'not_applied' },
});

export type ErrorCode = ErrorCodeOf<typeof lineStreamsErrors>;

/** This pattern's AppError: its code must be one of lineStreamsErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = lineStreamsErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

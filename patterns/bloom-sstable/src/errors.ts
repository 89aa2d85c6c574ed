import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** bloom-sstable's own error codes, beside the kit's (validation, Redis, timeouts). */
export const lsmErrors = defineErrorCodes({
  SNAPSHOT_NOT_FOUND: { status: 404, title: 'Snapshot not found', outcome: 'not_applied' },
  SNAPSHOT_TOO_OLD: { status: 410, title: 'Snapshot too old', outcome: 'not_applied' },
  STORAGE_FAILED: { status: 500, title: 'Storage failed', outcome: 'indeterminate' },
  AS_OF_UNAVAILABLE: { status: 501, title: 'asOf not available on this engine', outcome: 'not_applied' },
  ENGINE_UNSUPPORTED: { status: 501, title: 'Not supported by this engine', outcome: 'not_applied' },
});

export type ErrorCode = ErrorCodeOf<typeof lsmErrors>;

/** This pattern's AppError: its code must be one of lsmErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = lsmErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** The ring's own error codes, beside the kit's (validation, Redis, timeouts). */
export const ringErrors = defineErrorCodes({
  NO_QUORUM: { status: 503, title: 'No leader with a majority', outcome: 'not_applied' },
  COMMIT_UNKNOWN: { status: 504, title: 'Commit outcome unknown', outcome: 'indeterminate' },
  PEER_UNREACHABLE: { status: 503, title: 'Peer link cut', outcome: 'not_applied' },
  PEER_UNAUTHENTICATED: {
    status: 401,
    title: 'Peer message not signed with the cluster secret',
    outcome: 'not_applied',
  },
  UNKNOWN_PEER: { status: 400, title: 'Unknown peer', outcome: 'not_applied' },
  UPGRADE_REQUIRED: { status: 426, title: 'Upgrade to a peer stream required', outcome: 'not_applied' },
});

export type ErrorCode = ErrorCodeOf<typeof ringErrors>;

/** This pattern's AppError: its code must be one of ringErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = ringErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

import { AppError as KitAppError, defineErrorCodes, routeDefiner } from '@kvs-lab/shared/service';
import type { ErrorCodeOf } from '@kvs-lab/shared/service';

/** This pattern's own error codes, beside the kit's (REDIS_UNAVAILABLE, REDIS_TIMEOUT, ...). */
export const shardingErrors = defineErrorCodes({
  ITEM_NOT_FOUND: { status: 404, title: 'Item not found', outcome: 'not_applied' },
  SHARD_NOT_FOUND: { status: 404, title: 'Shard not found', outcome: 'not_applied' },
  REBALANCE_IN_PROGRESS: { status: 409, title: 'A rebalance is already running', outcome: 'not_applied' },
  NO_STANDBY_SHARD: { status: 409, title: 'No standby shard left to add', outcome: 'not_applied' },
  SHARD_NOT_ACTIVE: { status: 409, title: 'Shard is not on the ring', outcome: 'not_applied' },
  ENGINE_UNSUPPORTED: { status: 409, title: 'Not offered by this engine', outcome: 'not_applied' },
  CROSS_SLOT: { status: 409, title: "The request's keys hash to different slots", outcome: 'not_applied' },
  LAST_SHARD: { status: 409, title: 'The last shard cannot be drained', outcome: 'not_applied' },
});

export type ErrorCode = ErrorCodeOf<typeof shardingErrors>;

/** This pattern's AppError: its code must be one of shardingErrors or the kit's, checked by the compiler. */
export class AppError extends KitAppError<ErrorCode> {
  static override readonly codes = shardingErrors;
}

/** `defineRoute` whose `errors` must be codes of this pattern or the kit. */
export const defineRoute = routeDefiner<ErrorCode>();

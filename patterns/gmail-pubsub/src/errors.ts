import { defineErrorCodes } from '@kvs-lab/shared/service';

/** HTTP error codes of gmail-pubsub beside the kit's (validation, Redis unavailable, timeout...). */
export const errorCodes = defineErrorCodes({
  HISTORY_EXPIRED: { status: 404, title: 'History expired', outcome: 'not_applied' },
});

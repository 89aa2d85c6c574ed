import { defineErrorCodes } from '@kvs-lab/shared/service';

/** The pattern's own error codes, beside the kit's (VALIDATION_FAILED, REDIS_UNAVAILABLE...). */
export const quorumErrors = defineErrorCodes({
  QUORUM_NOT_REACHED: { status: 503, title: 'Quorum not reached', outcome: 'indeterminate' },
  KEY_NOT_FOUND: { status: 404, title: 'Key not found', outcome: 'not_applied' },
  INVALID_CONTEXT: { status: 400, title: 'Invalid causal context', outcome: 'not_applied' },
  INVALID_QUORUM: { status: 400, title: 'Invalid quorum sizes', outcome: 'not_applied' },
  UNKNOWN_REPLICA: { status: 404, title: 'Unknown replica', outcome: 'not_applied' },
});

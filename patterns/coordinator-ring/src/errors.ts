import { defineErrorCodes } from '@kvs-lab/shared/service';

/** The ring's own error codes, beside the kit's (validation, Redis, timeouts). */
export const ringErrors = defineErrorCodes({
  NO_QUORUM: { status: 503, title: 'No leader with a majority', outcome: 'not_applied' },
  COMMIT_UNKNOWN: { status: 504, title: 'Commit outcome unknown', outcome: 'indeterminate' },
  KEY_NOT_FOUND: { status: 404, title: 'Key not found', outcome: 'not_applied' },
  PEER_UNREACHABLE: { status: 503, title: 'Peer link cut', outcome: 'not_applied' },
  PEER_UNAUTHENTICATED: {
    status: 401,
    title: 'Peer message not signed with the cluster secret',
    outcome: 'not_applied',
  },
  UNKNOWN_PEER: { status: 400, title: 'Unknown peer', outcome: 'not_applied' },
});

import type { ProtocolMessage } from '@kvs-lab/shared/history';

/**
 * Records one protocol step's messages in the trace (`GET /trace`): a whole fan-out in one call,
 * so the kit's per-second budget keeps or skips it whole. Node names are the live view's:
 * the coordinator's instance name (`quorum-a`) and the replicas' (`replica-1`...).
 */
export type TraceMessages = (messages: readonly ProtocolMessage[]) => void;

/** Until /check (mounted last) hands over its trace log, nothing is recorded. */
export const noTrace: TraceMessages = () => undefined;

import type { ProtocolMessage } from '@kvs-lab/shared/history';

/**
 * Where the engines record the messages of their protocol for `GET /trace`: one call per protocol step
 * (a routed request, a WAIT answer, a failed probe, a promotion, a key moved). The kit's TraceLog keeps
 * them within its per-second budget, so a benchmark does not pay for them.
 */
export type TraceMessages = (messages: readonly ProtocolMessage[]) => void;

/** The router's lane in the trace and its box in the live view. */
export const routerNode = 'router';

/** Records nothing: engines built without a trace (unit tests, the bench's in-process clients). */
export const noTrace: TraceMessages = () => undefined;

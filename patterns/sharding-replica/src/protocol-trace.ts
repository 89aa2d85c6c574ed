import type { ProtocolMessage } from '@kvs-lab/shared/history';

/**
 * Where the engines record the messages of their protocol for `GET /trace`: one call per protocol step
 * (a routed request, a WAIT answer, a failed probe, a promotion, a key moved). The kit's TraceLog keeps
 * them within its per-second budget, so a benchmark does not pay for storing them.
 */
export interface TraceMessages {
  (messages: readonly ProtocolMessage[]): void;
  /**
   * False for a moment after the trace refused a step (its budget for the second is spent): a step taken
   * per request asks first, so under load it does not build messages the trace would drop anyway.
   */
  isTaking(): boolean;
}

/** The router's lane in the trace and its box in the live view. */
export const routerNode = 'router';

/**
 * How long a refused trace is not offered per-request messages. The kit's budget reopens at most once a
 * second; trying again every 10 ms loses at most the first 10 ms of a second's sample.
 */
export const refusedTraceMs = 10;

/**
 * A trace over `record` (the kit's `recordMessages`: false when its budget refused them). The pause after a
 * refusal runs on the process's monotonic clock: it saves work, and decides nothing a test's clock would.
 */
export function traceInto(record: (messages: readonly ProtocolMessage[]) => boolean): TraceMessages {
  let refusedUntil = 0;
  const trace = (messages: readonly ProtocolMessage[]): void => {
    if (!record(messages)) refusedUntil = performance.now() + refusedTraceMs;
  };
  return Object.assign(trace, { isTaking: () => performance.now() >= refusedUntil });
}

/** Records nothing: engines built without a trace (unit tests, the bench's in-process clients). */
export const noTrace: TraceMessages = Object.assign(() => undefined, { isTaking: () => false });

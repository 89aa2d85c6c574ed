import type { TraceMessages } from './protocol-trace.ts';
import type { Emit } from './realtime/events.ts';
import type { RouterLog } from './router-log.ts';

/** What every engine is given by `createApp`: time, the live view, the log and the trace. */
export interface EngineDeps {
  readonly now: () => number;
  readonly emit: Emit;
  readonly logger: RouterLog;
  readonly trace: TraceMessages;
}

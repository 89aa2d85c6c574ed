export { mountCheck } from './check-routes.ts';
export type { CheckVerdict } from './check-routes.ts';
export { History } from './history.ts';
export type { Operation, OperationOutcome, PendingOperation } from './history.ts';
export { recorded } from './record.ts';
export { TraceLog } from './trace-log.ts';
export type { ProtocolMessage, TraceDocument, TraceEvent } from './trace-log.ts';
export { MessageBudget } from './message-budget.ts';

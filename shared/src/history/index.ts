export { mountCheck } from './check-routes.ts';
export type { CheckVerdict } from './check-routes.ts';
export { History } from './history.ts';
export type { Operation, OperationOutcome, PendingOperation } from './history.ts';
export { recorded } from './record.ts';

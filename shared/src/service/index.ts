export {
  AppError,
  defineErrorCodes,
  errorKind,
  isAppError,
  kitErrorCodes,
  withKitCodes,
} from './app-error.ts';
export type { ErrorCodeOf, ErrorKind, ErrorTable, KitErrorCode, Outcome } from './app-error.ts';
export { freezeProcess } from './chaos.ts';
export type { ChaosEvent, ChaosFault, LinkControl, LinkState } from './chaos.ts';
export { createService, defaultRequestTimeoutMs } from './create-service.ts';
export type { Service, ServiceOptions } from './create-service.ts';
export type { PatternApp } from './service.ts';
// The service's logger type, for patterns that pass it on: pino itself is the kit's dependency.
export type { Logger } from 'pino';
export { classifyInfrastructureError } from './infrastructure-errors.ts';
export { problemContentType, problemType, toAppError, toProblem } from './problem.ts';
export type { Problem } from './problem.ts';
export type { CheckResult, ReadinessCheck } from './readiness.ts';
export { defineRoute, routeDefiner } from './route-spec.ts';
export type { HandlerInput, HttpMethod, Reply, ResponseSpec, RouteSpec } from './route-spec.ts';
export { runService } from './run-service.ts';
export { z } from './zod.ts';
export { badConfiguration, parseEnv } from './env-config.ts';

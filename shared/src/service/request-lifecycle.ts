import { ServerResponse } from 'node:http';
import type { Express, RequestHandler, Response } from 'express';
import { AppError } from './app-error.ts';
import type { ServiceMetrics } from './metrics.ts';
import { sendProblem } from './request-pipeline.ts';

const startedAt = Symbol('kit.requestStartedAt');

type TimedResponse = Response & { [startedAt]?: number };

/**
 * Per-request bookkeeping on the hot path: metrics (labelled by route template, never the raw URL)
 * and the deadline. Neither costs a listener or a closure per request: the app's responses share one
 * `end` that records the metrics and takes the response off the in-flight set, and deadlines are
 * enforced by one sweep timer for all requests rather than a timer each (both measurably cost
 * throughput). A late answer is therefore 504 within `timeoutMs` + one sweep. A response that never
 * ends (the client went away) leaves the set at the next sweep and is not counted.
 */
export function requestLifecycle(
  app: Express,
  metrics: ServiceMetrics,
  timeoutMs: number,
): { middleware: RequestHandler; stop: () => void } {
  const inFlight = new Set<TimedResponse>();
  const sweepMs = Math.max(10, Math.min(250, Math.floor(timeoutMs / 4)));
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const res of inFlight) {
      if (res.destroyed) {
        inFlight.delete(res);
        continue;
      }
      if ((res[startedAt] ?? now) + timeoutMs > now) continue;
      inFlight.delete(res);
      if (!res.headersSent) {
        sendProblem(
          res,
          new AppError('TIMEOUT', `No answer within ${timeoutMs} ms; the outcome is unknown.`),
          res.req.requestId,
        );
      }
    }
  }, sweepMs);
  sweeper.unref();

  // Called with each response as `this`, as Node's own method is.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const end = ServerResponse.prototype.end;
  // Express gives every response of this app `app.response` as its prototype, so this is every answer's
  // way out: the pattern's routes, the kit's, problems, static files and the docs.
  Object.defineProperty(app.response, 'end', {
    configurable: true,
    writable: true,
    value: function endAndRecord(this: TimedResponse, ...args: Parameters<typeof end>) {
      const started = this[startedAt];
      if (started !== undefined) {
        this[startedAt] = undefined;
        inFlight.delete(this);
        const route = (this.req.route as { path?: string } | undefined)?.path ?? 'unmatched';
        metrics.observe(this.req.method, route, this.statusCode, (performance.now() - started) / 1000);
      }
      return end.apply(this, args);
    },
  });

  const middleware: RequestHandler = (_req, res: TimedResponse, next) => {
    res[startedAt] = performance.now();
    inFlight.add(res);
    next();
  };
  return { middleware, stop: () => clearInterval(sweeper) };
}

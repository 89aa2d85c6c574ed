import type { RequestHandler, Response } from 'express';
import { AppError } from './app-error.ts';
import type { ServiceMetrics } from './metrics.ts';
import { sendProblem } from './request-pipeline.ts';

/**
 * Per-request bookkeeping on the hot path, kept to one `close` listener per
 * request: it records metrics (labelled by route template, never the raw URL)
 * and takes the request off the in-flight list. Deadlines are enforced by one
 * sweep timer for all requests rather than a timer each, which measurably cost
 * throughput; a late answer is therefore 504 within `timeoutMs` + one sweep.
 */
export function requestLifecycle(
  metrics: ServiceMetrics,
  timeoutMs: number,
): { middleware: RequestHandler; stop: () => void } {
  const inFlight = new Map<Response, { deadline: number; requestId: string }>();
  const sweepMs = Math.max(10, Math.min(250, Math.floor(timeoutMs / 4)));
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const [res, entry] of inFlight) {
      if (entry.deadline > now) continue;
      inFlight.delete(res);
      if (!res.headersSent) {
        sendProblem(
          res,
          new AppError('TIMEOUT', `No answer within ${timeoutMs} ms; the outcome is unknown.`),
          entry.requestId,
        );
      }
    }
  }, sweepMs);
  sweeper.unref();

  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    inFlight.set(res, { deadline: started + timeoutMs, requestId: req.requestId });
    res.once('close', () => {
      inFlight.delete(res);
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.observe(req.method, route, res.statusCode, (performance.now() - started) / 1000);
    });
    next();
  };
  return { middleware, stop: () => clearInterval(sweeper) };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, Response } from 'express';
import type { PipelineDone } from './request-pipeline.ts';
import type { FailRequest } from './route-handler.ts';
import type { RouteTable } from './route-table.ts';

type Pipeline = (req: Request, res: Response, done: PipelineDone) => void;

/**
 * The HTTP server's request handler: the kit's own front door, in front of Express.
 *
 * Express hands every request to its Router, which walks its layers one by one, parses the URL,
 * matches paths and wraps `next` at each step: in the kit demo's CPU profile that walk (Express's
 * `handle`, the Router's `handle` and `next`, `parseurl`) was the largest part of what the kit
 * added to a request. Every API route lives in a route table, so the kit dispatches to them itself.
 * It first does what Express's `app.handle` does to make a request Express's (the circular
 * references and the prototypes that give `req.get`, `req.query`, `res.status`...), so handlers
 * and the pipeline see the same objects as before. Only what no table answers goes through
 * Express: the docs, static files, 405 and 404.
 */
export function requestDispatch(options: {
  readonly app: Express;
  readonly pipeline: Pipeline;
  /** Tried in order; the first route that matches answers. */
  readonly tables: readonly RouteTable[];
  readonly fail: FailRequest;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { app, pipeline, tables, fail } = options;

  const route: PipelineDone = (req, res, error) => {
    if (error !== undefined) {
      fail(error, req, res);
      return;
    }
    try {
      for (const table of tables) if (table.dispatch(req, res)) return;
    } catch (badPath) {
      fail(badPath, req, res);
      return;
    }
    app(req, res);
  };

  return (incoming, outgoing) => {
    const req = incoming as Request;
    const res = outgoing as Response;
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    // What Express's Router sets before any layer runs; a signed request checks originalUrl.
    req.originalUrl = req.url;
    try {
      pipeline(req, res, route);
    } catch (error) {
      fail(error, req, res);
    }
  };
}

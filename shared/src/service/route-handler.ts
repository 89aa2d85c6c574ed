import type { Request, Response } from 'express';
import type { z } from 'zod';
import { AppError } from './app-error.ts';
import { problemContentType } from './problem.ts';
import type { AnyRouteSpec, Reply } from './route-spec.ts';

interface FieldError {
  path: string;
  message: string;
}

function fieldErrors(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Validates one part of the request; collects its field errors instead of stopping at the first. */
function parsePart(
  schema: z.ZodType | undefined,
  value: unknown,
  where: string,
  errors: FieldError[],
): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  errors.push(...fieldErrors(where, result.error));
  return undefined;
}

function send(req: Request, res: Response, reply: Reply): void {
  if (reply.headers) for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.status(reply.status);
  if (reply.body === undefined) {
    res.end();
  } else if (reply.contentType) {
    res.type(reply.contentType).send(reply.body);
  } else {
    // Errors go through the error middleware; a handler returning a 4xx/5xx body is still JSON.
    // Written directly: Express's res.send would re-derive charset, length and freshness on the hot path.
    const json = JSON.stringify(reply.body);
    res.setHeader(
      'Content-Type',
      `${reply.status >= 400 ? problemContentType : 'application/json'}; charset=utf-8`,
    );
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(req.method === 'HEAD' ? undefined : json);
  }
}

/** A route's handler as the route table calls it: it settles every request itself and never rejects. */
export type KitHandler = (req: Request, res: Response) => Promise<void>;

/** Where a failed request goes: the kit's error middleware, called directly. */
export type FailRequest = (error: unknown, req: Request, res: Response) => void;

/**
 * Adapts a route spec to the kit: validate params, query and body with zod
 * (every offending field listed), call the handler, send its reply. A thrown or
 * rejected error goes to `fail`, so the caller needs no `.catch` per request.
 */
export function routeHandler(
  spec: AnyRouteSpec,
  checkAdmin: (req: Request) => void,
  fail: FailRequest,
): KitHandler {
  return async (req, res) => {
    try {
      if (spec.admin) checkAdmin(req);
      const errors: FieldError[] = [];
      const params = parsePart(spec.params, req.params, 'params', errors);
      // req.query is a getter that parses the URL: only routes that declare a query pay for it.
      const query = spec.query ? parsePart(spec.query, req.query, 'query', errors) : undefined;
      // A route with a body schema gets `undefined` when nothing was sent, so the schema decides if that is fine.
      const body = parsePart(spec.body, req.body, 'body', errors);
      if (errors.length > 0) {
        throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
          extras: { errors },
        });
      }
      const reply = await spec.handler({ params, query, body, requestId: req.requestId, req, res });
      if (!res.headersSent) send(req, res, reply);
    } catch (error) {
      fail(error, req, res);
    }
  };
}

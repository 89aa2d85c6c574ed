import { randomUUID } from 'node:crypto';
import express from 'express';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from './app-error.ts';
import { problemContentType, toAppError, toProblem } from './problem.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express types its Request through this global namespace
  namespace Express {
    interface Request {
      /** Set by the kit for every request: echoed as `X-Request-Id` and in problem bodies. */
      requestId: string;
    }
  }
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

// A random prefix per process and a counter: unique across instances and restarts like a UUID, at a
// fraction of its cost (a UUID per request showed in the kit's profile; an id needs no secrecy).
const requestIdPrefix = randomUUID().slice(0, 8);
let requestSequence = 0;

/** Honours a well-formed incoming `X-Request-Id`, else makes one, and echoes it. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.headers['x-request-id'];
  req.requestId =
    typeof incoming === 'string' && requestIdPattern.test(incoming)
      ? incoming
      : `${requestIdPrefix}-${(++requestSequence).toString(36)}`;
  res.setHeader('X-Request-Id', req.requestId);
  next();
};

/** Writes an error as problem+json; the single place error responses are made. */
export function sendProblem(res: Response, error: AppError<string>, requestIdValue?: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res
    .status(error.status)
    .type(problemContentType)
    .send(JSON.stringify(toProblem(error, requestIdValue)));
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Where a request goes when the pipeline is through with it: on to a route, or with the error that stopped it. */
export type PipelineDone = (req: Request, res: Response, error?: unknown) => void;

/**
 * Runs synchronous middleware in order, then parses a body only when the request has one.
 * Each step either calls `next()` at once or passes an error; none waits, so a plain loop
 * is enough.
 */
export function requestPipeline(
  steps: readonly RequestHandler[],
  options: { parseBody: RequestHandler },
): (req: Request, res: Response, done: PipelineDone) => void {
  // One `next` for every request, not a closure each: the steps are synchronous, so no two requests
  // are ever inside the loop at once, and a closure per request (named by tsx) showed in the profile.
  let isDone = false;
  let failure: unknown;
  const step: NextFunction = (error?: unknown) => {
    isDone = true;
    if (error !== undefined && error !== 'route' && error !== 'router') failure = error;
  };
  return (req, res, done) => {
    failure = undefined;
    for (const handler of steps) {
      isDone = false;
      void handler(req, res, step);
      if (!isDone) throw new Error('a request pipeline step did not call next() synchronously');
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        done(req, res, error);
        return;
      }
    }
    if (hasBody(req)) {
      // Only requests with a body wait here, so only they pay for a closure.
      void options.parseBody(req, res, (error?: unknown) => done(req, res, error));
      return;
    }
    done(req, res);
  };
}

/** A body must be JSON: anything else (or no Content-Type at all) is 415, before any parsing. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
    const given = req.get('content-type');
    next(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        given
          ? `Content-Type ${given} is not accepted; send application/json.`
          : 'The body has no Content-Type; send application/json.',
      ),
    );
    return;
  }
  next();
};

// Keys that would reach an object's prototype when a body is spread or assigned.
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/** express.json with a size limit and a reviver that refuses prototype-polluting keys. */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    type: ['application/json', 'application/*+json'],
    strict: false,
    reviver(key: string, value: unknown) {
      if (forbiddenKeys.has(key)) throw new SyntaxError(`forbidden key "${key}" in JSON body`);
      return value;
    },
  });
}

/** A client error from the body parser or below it (zlib on a bogus Content-Encoding): a status but no `type`. */
function clientStatusOf(error: object): number | undefined {
  const status = 'status' in error ? error.status : 'statusCode' in error ? error.statusCode : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** Maps body-parser failures to their codes; they carry a `type` and a status. */
function fromBodyParser(error: unknown): AppError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // Errors the kit classifies itself (a bad percent-encoding is a URIError with status 400).
  if (error instanceof AppError || error instanceof URIError) return undefined;
  const message = error instanceof Error ? error.message : '';
  if (!('type' in error)) {
    return clientStatusOf(error) === undefined
      ? undefined
      : new AppError('MALFORMED_BODY', `The body could not be decoded: ${message}`);
  }
  const type = error.type;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('MALFORMED_JSON', `The body is not valid JSON: ${message}`);
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The body exceeds the size limit.', {
        extras: { limitBytes: (error as { limit?: number }).limit },
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new AppError('MALFORMED_JSON', `The body could not be read: ${message}`);
    default:
      // Any other 4xx from the parser is still the client's fault, never a 500.
      return clientStatusOf(error) === undefined
        ? undefined
        : new AppError('MALFORMED_BODY', `The body could not be read: ${message}`);
  }
}

/** The last error middleware: every error becomes problem+json, internals are logged, never sent. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const appError = fromBodyParser(error) ?? toAppError(error);
    if (appError.status >= 500) {
      logger.error({ err: error, requestId: req.requestId, code: appError.code }, 'request failed');
    }
    if (res.headersSent) {
      next(error);
      return;
    }
    sendProblem(res, appError, req.requestId);
  };
}

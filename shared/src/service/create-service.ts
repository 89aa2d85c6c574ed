import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Request, RequestHandler, Router } from 'express';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { Server as SocketServer } from 'socket.io';
import swaggerUi from 'swagger-ui-express';
import { AppError } from './app-error.ts';
import type { ErrorTable } from './app-error.ts';
import type { ChaosEvent, ChaosFault, LinkControl } from './chaos.ts';
import { kitRoutes } from './kit-routes.ts';
import { createMetrics } from './metrics.ts';
import { OpenApiDocument } from './openapi-document.ts';
import type { ReadinessCheck } from './readiness.ts';
import { answerClientError } from './client-error.ts';
import { listFromEnv, requestGuard } from './request-guard.ts';
import { requestLifecycle } from './request-lifecycle.ts';
import {
  errorHandler,
  jsonBody,
  requestId,
  requestPipeline,
  requireJsonBody,
  sendProblem,
} from './request-pipeline.ts';
import { routeHandler } from './route-handler.ts';
import type { FailRequest } from './route-handler.ts';
import { requestDispatch } from './request-dispatch.ts';
import { pathMatcher } from './route-spec.ts';
import { RouteTable } from './route-table.ts';
import type { AnyRouteSpec, HttpMethod } from './route-spec.ts';

/** A request's deadline when the service names none: a handler that waits inside a request stays under it. */
export const defaultRequestTimeoutMs = 10_000;

export interface ServiceOptions {
  /** Pattern name, e.g. `distributed-lock`: the OpenAPI title and the metrics `service` label. */
  readonly name: string;
  /** The pattern's own error codes (its `src/errors.ts` table), documented beside the kit's. */
  readonly errors?: ErrorTable;
  /** Instance name from the topology, e.g. `lock-a` (defaults to SERVICE_NAME or `name`). */
  readonly instance?: string;
  readonly version?: string;
  /** Markdown shown at the top of Swagger UI. */
  readonly description?: string;
  readonly bodyLimitBytes?: number;
  /** How long a request may take before the kit answers 504 (default: defaultRequestTimeoutMs). */
  readonly requestTimeoutMs?: number;
  readonly readiness?: readonly ReadinessCheck[];
  /** Links /chaos can cut or slow (the Redis kit's nodes). */
  readonly links?: readonly LinkControl[];
  readonly faults?: readonly ChaosFault[];
  /** Enforced on /chaos when set; defaults to LAB_ADMIN_TOKEN. */
  readonly adminToken?: string;
  /** Defaults to pino at LOG_LEVEL (info), silent under vitest. */
  readonly logger?: Logger;
  /**
   * Path prefixes whose requests are never logged, on top of /healthz, /readyz and /metrics: e.g. a ring's
   * `/internal/` heartbeats, many a second per node, would drown the lines a learner wants to read.
   */
  readonly quietPathPrefixes?: readonly string[];
  /**
   * Origins allowed to change state or open a socket.io connection from a browser, besides the service's
   * own pages; defaults to CORS_ORIGINS.
   */
  readonly corsOrigins?: readonly string[];
  /** Host names the service is served as besides loopback and its instance name; defaults to ALLOWED_HOSTS. */
  readonly allowedHosts?: readonly string[];
  readonly socketMaxBufferBytes?: number;
}

import type { Service } from './service.ts';

export type { Service };

// Credentials never reach a log file: the admin token and peer secrets travel in these headers.
const secretHeaders = ['authorization', 'x-cluster-signature', 'cookie', 'proxy-authorization'];
const redactedPaths = [...secretHeaders.map((name) => `req.headers["${name}"]`), 'res.headers["set-cookie"]'];

function defaultLogger(instance: string): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ level, base: { instance }, redact: { paths: redactedPaths, censor: '[redacted]' } });
}

/** The request as pino-http logs it, with credential headers censored whatever logger a pattern passes in. */
function withoutSecrets(req: { headers?: Record<string, unknown> }): unknown {
  if (!req.headers) return req;
  const headers = { ...req.headers };
  for (const name of secretHeaders) if (name in headers) headers[name] = '[redacted]';
  return { ...req, headers };
}

/** RFC 9110: the auth scheme is case-insensitive. */
function bearerToken(header: string): string {
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The service kit: an Express 5 app with the lab's common endpoints, one error
 * shape, validated and documented routes, metrics, chaos and socket.io on one
 * HTTP server. It does not listen until `listen()`; tests pass `server` to supertest.
 */
export function createService(options: ServiceOptions): Service {
  const instance = options.instance ?? process.env.SERVICE_NAME ?? options.name;
  const logger = options.logger ?? defaultLogger(instance);
  const adminToken = options.adminToken ?? process.env.LAB_ADMIN_TOKEN;
  const readiness: ReadinessCheck[] = [...(options.readiness ?? [])];
  const closeHooks: (() => unknown)[] = [];
  const events = new EventEmitter<{ chaos: [ChaosEvent] }>();
  const document = new OpenApiDocument(
    {
      title: options.name,
      version: options.version ?? '0.1.0',
      description: options.description ?? `KVS Pattern Lab: ${options.name} (instance ${instance}).`,
    },
    options.errors,
  );
  const metrics = createMetrics(options.name, instance);
  const registered: { method: HttpMethod; matcher: RegExp }[] = [];

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const guard = requestGuard({
    hostNames: [instance, ...(options.allowedHosts ?? listFromEnv(process.env.ALLOWED_HOSTS))],
    origins: options.corsOrigins ?? listFromEnv(process.env.CORS_ORIGINS),
  });
  const lifecycle = requestLifecycle(app, metrics, options.requestTimeoutMs ?? defaultRequestTimeoutMs);
  const steps: RequestHandler[] = [requestId, guard.middleware, lifecycle.middleware, requireJsonBody];
  // Request logs cost a child logger per request: only pay for them when they would be written.
  if (logger.isLevelEnabled('info')) {
    const quiet = ['/healthz', '/readyz', '/metrics', ...(options.quietPathPrefixes ?? [])];
    steps.push(
      pinoHttp({
        logger,
        genReqId: (req) => (req as unknown as Request).requestId,
        serializers: { req: withoutSecrets },
        autoLogging: { ignore: (req) => quiet.some((prefix) => (req.url ?? '').startsWith(prefix)) },
      }),
    );
  }
  const pipeline = requestPipeline(steps, { parseBody: jsonBody(options.bodyLimitBytes ?? 64 * 1024) });
  const handleError = errorHandler(logger);
  const fail: FailRequest = (error, req, res) =>
    // An error after the answer began cannot be told to the client: the connection is cut, as Express does.
    handleError(error, req, res, () => res.destroy());

  // The pattern's routes are tried first, then the kit's own endpoints; both are route tables the
  // kit dispatches to itself (request-dispatch.ts). The Express app below holds the rest.
  const routes = new RouteTable();
  const kitRoutesTable = new RouteTable();
  const docsRouter = express.Router();
  docsRouter.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(undefined, {
      customSiteTitle: `${options.name} API`,
      swaggerOptions: { url: '/openapi.json', validatorUrl: null },
    }),
  );
  app.use(docsRouter);
  // Static files (the live view) come after every API route, whenever each was added:
  // otherwise each API request would first pay for a filesystem stat.
  const statics: Router = express.Router();
  app.use(statics);

  const checkAdmin = (req: Request): void => {
    if (!adminToken) return;
    const given = bearerToken(req.get('authorization') ?? '');
    if (!tokenMatches(given, adminToken)) {
      throw new AppError(
        'ADMIN_TOKEN_REQUIRED',
        'This endpoint needs the admin token: Authorization: Bearer <LAB_ADMIN_TOKEN>.',
        {
          headers: { 'WWW-Authenticate': 'Bearer' },
        },
      );
    }
  };

  const addRoute = (table: RouteTable, spec: AnyRouteSpec): void => {
    document.add(spec);
    registered.push({ method: spec.method, matcher: pathMatcher(spec.path) });
    table.add(spec.method, spec.path, routeHandler(spec, checkAdmin, fail));
  };
  const route: Service['route'] = (spec) => addRoute(routes, spec);

  // After every route: 405 when the path exists under another method, else 404.
  app.use((req, res) => {
    const allowed = [
      ...new Set(registered.filter((r) => r.matcher.test(req.path)).map((r) => r.method.toUpperCase())),
    ];
    if (allowed.length > 0) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      // What Express's router did for OPTIONS: say which methods the path takes.
      if (req.method === 'OPTIONS') {
        res.setHeader('Allow', allowed.join(', '));
        res.status(204).end();
        return;
      }
      sendProblem(
        res,
        new AppError(
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}.`,
          {
            headers: { Allow: allowed.join(', ') },
          },
        ),
        req.requestId,
      );
      return;
    }
    sendProblem(
      res,
      new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}. See /docs.`),
      req.requestId,
    );
  });
  app.use(handleError);

  const server = createServer(requestDispatch({ app, pipeline, tables: [routes, kitRoutesTable], fail }));
  server.on('clientError', answerClientError);
  const io = new SocketServer(server, {
    maxHttpBufferSize: options.socketMaxBufferBytes ?? 100_000,
    // The same Host and Origin rules as the HTTP routes: a page elsewhere must not watch the live state.
    allowRequest: (req, callback) => {
      const verdict = guard.allowsHandshake(req);
      callback(verdict.ok ? null : verdict.reason, verdict.ok);
    },
    cors: { origin: [...(options.corsOrigins ?? listFromEnv(process.env.CORS_ORIGINS))] },
  });

  const service: Service = {
    name: options.name,
    instance,
    app,
    server,
    io,
    logger,
    metrics: metrics.registry,
    events,
    route,
    use: (path, ...handlers) => {
      statics.use(path, ...handlers);
    },
    addReadinessCheck: (check) => {
      readiness.push(check);
    },
    onClose: (hook) => {
      closeHooks.push(hook);
    },
    openapi: () => document.render(),
    listen: (port, host = '127.0.0.1') =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async () => {
      await new Promise<void>((resolve) => {
        // io.close() also closes the HTTP server; keep-alive sockets are cut so close() returns promptly.
        void io.close(() => resolve());
        server.closeAllConnections();
      });
      lifecycle.stop();
      for (const hook of [...closeHooks].reverse()) await hook();
    },
  };

  kitRoutes((spec) => addRoute(kitRoutesTable, spec), service, {
    readiness: () => readiness,
    links: options.links ?? [],
    faults: options.faults ?? [],
    emit: (event) => events.emit('chaos', event),
  });
  return service;
}

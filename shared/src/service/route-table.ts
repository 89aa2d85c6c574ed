import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { expressPath } from './route-spec.ts';
import type { HttpMethod } from './route-spec.ts';

interface TableRoute {
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** What `req.route` holds while the route runs: the metrics label reads its template. */
  readonly info: { readonly path: string };
  readonly handler: RequestHandler;
}

const paramPattern = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A bad percent-encoding in a path segment is the client's fault: the kit's problem mapper makes it a 400. */
function decodeSegment(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (error) {
    if (error instanceof URIError) Object.assign(error, { status: 400 });
    throw error;
  }
}

/**
 * The service's routes as one Express layer. Express walks a Router layer by layer, matching
 * each route's path through path-to-regexp and wrapping `next` at every step: on the kit demo's
 * GET that walk cost more CPU than any part of the kit's own pipeline. Here a request is matched
 * against its method's routes in the order they were added, by one regular expression each, with
 * the same rules as Express 5's defaults: case-insensitive, an optional trailing slash, a
 * parameter is one non-empty segment, decoded, and a GET route also answers HEAD.
 */
export class RouteTable {
  private readonly routes = new Map<string, TableRoute[]>();

  add(method: HttpMethod, openApiPath: string, handler: RequestHandler): void {
    const paramNames = [...openApiPath.matchAll(paramPattern)].map((match) => match[1] ?? '');
    const source = openApiPath
      .split(paramPattern)
      .map((part, i) => (i % 2 === 1 ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    const key = method.toUpperCase();
    const list = this.routes.get(key) ?? [];
    list.push({
      pattern: new RegExp(`^${source}/?$`, 'i'),
      paramNames,
      info: { path: expressPath(openApiPath) },
      handler,
    });
    this.routes.set(key, list);
  }

  readonly middleware: RequestHandler = (req: Request, res: Response, next: NextFunction): void => {
    const list = this.routes.get(req.method === 'HEAD' ? 'GET' : req.method);
    if (list === undefined) {
      next();
      return;
    }
    const path = req.path;
    for (const route of list) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.paramNames.length; i += 1) {
        params[route.paramNames[i] as string] = decodeSegment(match[i + 1] as string);
      }
      req.params = params;
      req.route = route.info;
      const answered: unknown = route.handler(req, res, next);
      // Express 5 forwards a rejected handler promise to the error middleware; so does the table.
      if (answered instanceof Promise) answered.catch(next);
      return;
    }
    next();
  };
}

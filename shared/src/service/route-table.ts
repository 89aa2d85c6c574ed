import type { Request, Response } from 'express';
import type { KitHandler } from './route-handler.ts';
import { expressPath } from './route-spec.ts';
import type { HttpMethod } from './route-spec.ts';

interface TableRoute {
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** What `req.route` holds while the route runs: the metrics label reads its template. */
  readonly info: { readonly path: string };
  readonly handler: KitHandler;
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
 * The path of an origin-form request target (`/a/b?c`) without parsing the whole URL, as Express's
 * `req.path` would; any other form (absolute, `*`) takes Express's way.
 */
function pathOf(req: Request): string {
  const url = req.url;
  if (url.charCodeAt(0) !== 47 /* '/' */) return req.path;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The service's routes, matched without Express's Router. Express walks a Router layer by layer,
 * matching each route's path through path-to-regexp and wrapping `next` at every step: on the kit
 * demo's GET that walk cost more CPU than any part of the kit's own pipeline. Here a request is matched
 * against its method's routes in the order they were added, by one regular expression each, with
 * the same rules as Express 5's defaults: case-insensitive, an optional trailing slash, a
 * parameter is one non-empty segment, decoded, and a GET route also answers HEAD.
 */
export class RouteTable {
  private readonly routes = new Map<string, TableRoute[]>();

  add(method: HttpMethod, openApiPath: string, handler: KitHandler): void {
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

  /**
   * Runs the first route that matches and says whether one did. A bad percent-encoding in a
   * parameter throws (a URIError with status 400) before any handler runs.
   */
  dispatch(req: Request, res: Response): boolean {
    const list = this.routes.get(req.method === 'HEAD' ? 'GET' : req.method);
    if (list === undefined) return false;
    const path = pathOf(req);
    for (const route of list) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.paramNames.length; i += 1) {
        params[route.paramNames[i] as string] = decodeSegment(match[i + 1] as string);
      }
      req.params = params;
      req.route = route.info;
      void route.handler(req, res);
      return true;
    }
    return false;
  }
}

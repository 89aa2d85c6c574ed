import type { Request, Response } from 'express';
import type { KitErrorCode } from './app-error.ts';
import type { z } from './zod.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Media type of a successful body; JSON unless said otherwise (e.g. `text/plain` for /metrics). */
  readonly contentType?: string;
  readonly example?: unknown;
}

/** What a handler answers: the kit serialises it, so handlers stay free of Express calls. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as-is with this content type instead of JSON. */
  readonly contentType?: string;
}

export interface HandlerInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly requestId: string;
  readonly req: Request;
  readonly res: Response;
}

/**
 * One route: its zod schemas validate the request and register the OpenAPI
 * operation, so the documentation cannot drift from the behaviour.
 * `path` uses OpenAPI braces: `/locks/{resource}`.
 */
export interface RouteSpec<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  Code extends string = string,
> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Request body example for Swagger UI. */
  readonly bodyExample?: unknown;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Error codes this route can answer beyond the ones the kit adds (validation, media type, size, internal). */
  readonly errors?: readonly Code[];
  /** Requires the admin token when one is configured (chaos endpoints). */
  readonly admin?: boolean;
  readonly handler: (input: HandlerInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<Reply> | Reply;
}

/** A route spec with its schema types erased, as the kit stores it. */
export type AnyRouteSpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/**
 * A `defineRoute` whose `errors` must be codes of `Code` (a pattern's `ErrorCode`): a misspelt
 * code fails the typecheck. Each pattern makes its own in `src/errors.ts`.
 */
export function routeDefiner<Code extends string>() {
  return <
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
  >(
    spec: RouteSpec<P, Q, B, Code>,
  ): RouteSpec<P, Q, B, Code> => spec;
}

/** A route that answers only the kit's codes (patterns use their own definer from `src/errors.ts`). */
export const defineRoute = routeDefiner<KitErrorCode>();

/** `/locks/{resource}` -> `/locks/:resource` (Express 5 syntax). */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

/** A matcher for the 405 check: same shape as the route, any segment value. */
export function pathMatcher(openApiPath: string): RegExp {
  const escaped = openApiPath
    .split(/\{[A-Za-z_][A-Za-z0-9_]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

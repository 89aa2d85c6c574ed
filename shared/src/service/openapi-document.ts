import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ZodObject } from 'zod';
import { errorKind, withKitCodes } from './app-error.ts';
import type { ErrorTable } from './app-error.ts';
import { problemContentType, problemType } from './problem.ts';
import type { AnyRouteSpec } from './route-spec.ts';
import { z } from './zod.ts';

const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://kvs-lab.dev/errors/validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ description: 'Stable UPPER_SNAKE error code.' }),
    outcome: z.enum(['not_applied', 'indeterminate']).openapi({
      description: '`not_applied`: nothing changed, safe to retry. `indeterminate`: it may have happened.',
    }),
    detail: z.string(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'The offending fields, for VALIDATION_FAILED.' }),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem details, the one error shape of the lab.' });

/** The codes the kit itself can answer on a route, given what the route accepts. */
function kitCodesFor(spec: AnyRouteSpec): string[] {
  const codes: string[] = [];
  if (spec.params || spec.query || spec.body) codes.push('VALIDATION_FAILED');
  if (spec.body) codes.push('MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (spec.admin) codes.push('ADMIN_TOKEN_REQUIRED');
  codes.push('INTERNAL');
  return codes;
}

/** Collects route specs and renders the OpenAPI 3.1 document on demand. */
export class OpenApiDocument {
  private readonly registry = new OpenAPIRegistry();
  private cached: unknown;
  private readonly info: { title: string; version: string; description: string };
  private readonly errors: ErrorTable;

  /** `errors`: the service's own codes; the kit's are always there. */
  constructor(info: { title: string; version: string; description: string }, errors?: ErrorTable) {
    this.info = info;
    this.errors = withKitCodes(errors);
    this.registry.register('Problem', problemSchema);
    this.registry.registerComponent('securitySchemes', 'adminToken', {
      type: 'http',
      scheme: 'bearer',
      description: 'Only enforced when the service runs with LAB_ADMIN_TOKEN set.',
    });
  }

  private kind(code: string) {
    return errorKind(code, this.errors);
  }

  add(spec: AnyRouteSpec): void {
    this.cached = undefined;
    const responses: Record<
      string,
      { description: string; content?: Record<string, { schema: unknown; example?: unknown }> }
    > = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? {
              content: {
                [response.contentType ?? 'application/json']: {
                  schema: response.schema,
                  ...(response.example === undefined ? {} : { example: response.example }),
                },
              },
            }
          : {}),
      };
    }
    // Group error codes by status: one documented response per status, naming every code it can carry.
    const byStatus = new Map<number, string[]>();
    for (const code of [...kitCodesFor(spec), ...(spec.errors ?? [])]) {
      // A route naming a code its service does not declare would document a 500: refuse it at start.
      if (!Object.hasOwn(this.errors, code)) {
        throw new Error(
          `${spec.method.toUpperCase()} ${spec.path} lists error code ${code}, not in the service's table`,
        );
      }
      const status = this.kind(code).status;
      const list = byStatus.get(status) ?? [];
      if (!list.includes(code)) list.push(code);
      byStatus.set(status, list);
    }
    for (const [status, codes] of byStatus) {
      if (responses[String(status)]) continue;
      const first = codes[0] ?? 'INTERNAL';
      const kind = this.kind(first);
      responses[String(status)] = {
        description: codes.map((c) => `\`${c}\`: ${this.kind(c).title} (${this.kind(c).outcome})`).join('; '),
        content: {
          [problemContentType]: {
            schema: problemSchema,
            example: {
              type: problemType(first),
              title: kind.title,
              status,
              code: first,
              outcome: kind.outcome,
              detail: kind.title,
            },
          },
        },
      };
    }
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.tags ? { tags: [...spec.tags] } : {}),
      ...(spec.admin ? { security: [{ adminToken: [] }] } : {}),
      request: {
        ...(spec.params ? { params: spec.params as unknown as ZodObject } : {}),
        ...(spec.query ? { query: spec.query as unknown as ZodObject } : {}),
        ...(spec.body
          ? {
              body: {
                required: true,
                content: {
                  'application/json': {
                    schema: spec.body,
                    ...(spec.bodyExample === undefined ? {} : { example: spec.bodyExample }),
                  },
                },
              },
            }
          : {}),
      },
      responses: responses as never,
    });
  }

  render(): unknown {
    if (this.cached === undefined) {
      this.cached = new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
        openapi: '3.1.0',
        info: this.info,
      });
    }
    return this.cached;
  }
}

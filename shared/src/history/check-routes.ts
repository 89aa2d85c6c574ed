import type { Service } from '../service/index.ts';
import { z } from '../service/index.ts';
import type { History, Operation } from './history.ts';

/** A checker's answer in plain words, with the first counter-example when the promise did not hold. */
export interface CheckVerdict {
  readonly valid: boolean;
  /** One or two sentences a learner can read: what was checked and whether it held. */
  readonly summary: string;
  readonly firstViolation?: unknown;
  readonly details?: unknown;
}

const verdictSchema = z
  .object({
    valid: z.boolean(),
    summary: z.string(),
    checkedOperations: z.number().int(),
    evictedOperations: z
      .number()
      .int()
      .openapi({ description: 'Old operations dropped to bound memory: not checked.' }),
    firstViolation: z.unknown().optional(),
    details: z.unknown().optional(),
  })
  .openapi('CheckVerdict');

/**
 * `GET /check` runs the pattern's checker over the recorded history;
 * `GET /history` shows the record; `DELETE /history` starts a fresh one.
 */
export function mountCheck<I, O>(
  service: Service,
  options: {
    history: History<I, O>;
    check: (operations: readonly Operation<I, O>[]) => CheckVerdict | Promise<CheckVerdict>;
  },
): void {
  const { history } = options;
  const tags = ['check'];
  service.route({
    method: 'get',
    path: '/check',
    summary: "Run this pattern's checker over the recorded history",
    description: 'Says in plain words whether the promise held, with the first counter-example if not.',
    tags,
    responses: {
      200: { description: 'The verdict (valid or not: the check itself succeeded)', schema: verdictSchema },
    },
    handler: async () => {
      const operations = history.entries();
      const verdict = await options.check(operations);
      return {
        status: 200,
        body: { ...verdict, checkedOperations: operations.length, evictedOperations: history.evicted },
      };
    },
  });
  service.route({
    method: 'get',
    path: '/history',
    summary: 'The recorded operations, newest last',
    tags,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }),
    responses: {
      200: {
        description: 'The last `limit` operations',
        schema: z.object({
          operations: z.array(z.unknown()),
          total: z.number().int(),
          evicted: z.number().int(),
        }),
      },
    },
    handler: ({ query }) => {
      const operations = history.entries();
      return {
        status: 200,
        body: {
          operations: operations.slice(-query.limit),
          total: operations.length,
          evicted: history.evicted,
        },
      };
    },
  });
  service.route({
    method: 'delete',
    path: '/history',
    summary: 'Forget the recorded history (start a fresh experiment)',
    description: 'Erases the evidence /check judges, so it needs the admin token when one is configured.',
    tags,
    admin: true,
    responses: { 204: { description: 'Cleared' } },
    handler: () => {
      history.clear();
      return { status: 204 };
    },
  });
}

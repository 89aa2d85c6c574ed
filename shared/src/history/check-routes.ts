import type { Service } from '../service/index.ts';
import { z } from '../service/index.ts';
import type { History, Operation } from './history.ts';
import { TraceLog } from './trace-log.ts';
import type { TraceDocument } from './trace-log.ts';

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

const traceSchema = z
  .object({
    format: z.literal('kvs-lab-trace/1'),
    service: z.string(),
    instance: z.string(),
    capturedAt: z.number().int(),
    operations: z.array(z.unknown()),
    events: z.array(z.unknown()),
    droppedEvents: z.number().int(),
  })
  .openapi('Trace');

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
): { readonly trace: TraceLog } {
  const { history } = options;
  const tags = ['check'];
  const trace = new TraceLog();
  // Faults injected through /chaos are part of the story the trace tells.
  service.events.on('chaos', (event) => {
    const node = 'node' in event ? event.node : 'name' in event ? event.name : service.instance;
    trace.record({ type: 'fault', node, kind: event.kind, detail: event });
  });
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
    method: 'get',
    path: '/trace',
    summary: 'The recorded trace: operations, protocol messages and faults, for the space-time diagram',
    description:
      'Format `kvs-lab-trace/1`: `operations` are the history (invocation and completion with outcome), ' +
      '`events` the messages between nodes and the faults, each with `seq`, a logical clock of this instance ' +
      '(raised past the clock a message carries in). Save the answer to a file and load it into the live view.',
    tags,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(2_000) }),
    responses: { 200: { description: 'The trace', schema: traceSchema } },
    handler: ({ query }) => {
      const body: TraceDocument = {
        format: 'kvs-lab-trace/1',
        service: service.name,
        instance: service.instance,
        capturedAt: Date.now(),
        operations: history.entries().slice(-query.limit),
        events: trace.entries().slice(-query.limit),
        droppedEvents: trace.droppedEvents,
      };
      return { status: 200, body };
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
      trace.clear();
      return { status: 204 };
    },
  });
  return { trace };
}

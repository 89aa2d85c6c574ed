import type { History } from '@kvs-lab/shared/history';
import { recorded } from '@kvs-lab/shared/history';
import { z } from '@kvs-lab/shared/service';
import type { Service } from '@kvs-lab/shared/service';
import type { LockConfig } from '../config.ts';
import type { TraceMessages } from '../lock-backend.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { nameParams, requestSchemas, resourceStateSchema, writeResultSchema } from './schemas.ts';
import { AppError } from '../errors.ts';

/** The protected resource: a store that checks fencing tokens (or not, to show why it must). */
export function mountResourceRoutes(
  service: Service,
  deps: {
    resources: ResourceStore;
    history: History;
    config: LockConfig;
    settings: { isFencingCheckOn: boolean };
    emit: LiveEmit;
    trace: TraceMessages;
    newId: () => string;
  },
): void {
  const { resources, history, settings } = deps;
  const schemas = requestSchemas(deps.config);
  const tags = ['protected resource'];

  service.route({
    method: 'post',
    path: '/resources/{name}/writes',
    summary: 'Write to the protected resource with a fencing token',
    description:
      'Accepted only if `fencingToken` is higher than every token accepted before (one atomic Lua check on ' +
      'the resource node). With the check off (`FENCING_CHECK=off` or `POST /chaos/faults/fencing-check-off`) ' +
      'every write is accepted: a paused holder whose lease expired overwrites the new holder.',
    tags,
    params: nameParams,
    body: schemas.write,
    bodyExample: { fencingToken: 7, data: 'balance=100', writer: 'worker-1' },
    errors: ['STALE_FENCING_TOKEN', 'REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'Accepted', schema: writeResultSchema } },
    handler: async ({ params, body, requestId }) => {
      const writeId = deps.newId();
      const writer = body.writer ?? 'anonymous';
      const isCheckOn = settings.isFencingCheckOn;
      const input = { resource: params.name, fencingToken: body.fencingToken, writeId };
      const result = await recorded(
        history,
        requestId,
        'write',
        input,
        async () => {
          // The fencing check as two messages in the trace: the write with its token, and the
          // resource's answer (accepted, or stale: refused because a higher token was accepted).
          const me = deps.config.instance;
          const store = resources.node.name;
          const asked = { resource: params.name, fencingToken: body.fencingToken, writer, isCheckOn };
          deps.trace([{ from: me, to: store, kind: 'fenced-write', detail: asked }]);
          const outcome = await resources
            .write({
              name: params.name,
              fencingToken: body.fencingToken,
              data: body.data,
              writeId,
              writer,
              isCheckOn,
            })
            .catch((error: unknown) => {
              deps.trace([{ from: store, to: me, kind: 'unreachable', detail: { resource: params.name } }]);
              throw error;
            });
          deps.trace([
            {
              from: store,
              to: me,
              kind: outcome.accepted ? 'write-accepted' : 'write-stale',
              detail: { ...asked, highestToken: outcome.highestToken },
            },
          ]);
          deps.emit('resource:written', {
            name: params.name,
            fencingToken: body.fencingToken,
            accepted: outcome.accepted,
            data: body.data,
            writer,
            highestToken: outcome.highestToken,
          });
          if (!outcome.accepted) {
            throw new AppError(
              'STALE_FENCING_TOKEN',
              `Token ${body.fencingToken} is not higher than ${outcome.highestToken}, already accepted: a newer holder wrote since. Nothing changed.`,
              {
                extras: {
                  name: params.name,
                  fencingToken: body.fencingToken,
                  highestToken: outcome.highestToken,
                },
              },
            );
          }
          return { writeId, highestToken: outcome.highestToken };
        },
        (written) => ({ accepted: true, writeId: written.writeId }),
      );
      return {
        status: 200,
        body: {
          name: params.name,
          writeId: result.writeId,
          accepted: true,
          fencingToken: body.fencingToken,
          highestToken: result.highestToken,
          isFencingCheckOn: isCheckOn,
        },
      };
    },
  });

  service.route({
    method: 'get',
    path: '/resources/{name}',
    summary: 'The protected resource: its value, accepted and rejected writes (newest first)',
    tags,
    params: nameParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1_000).default(20) }),
    errors: ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'The resource', schema: resourceStateSchema } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: {
        ...(await resources.read(params.name, query.limit)),
        isFencingCheckOn: settings.isFencingCheckOn,
      },
    }),
  });
}

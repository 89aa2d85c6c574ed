import type { Service } from '@kvs-lab/shared/service';
import { toJSON } from '@kvs-lab/shared/vector-clock';
import type { AntiEntropyService } from '../anti-entropy/anti-entropy-service.ts';
import { decodeContext, encodeContext } from '../domain/causal-context.ts';
import { quorumsOverlap } from '../domain/quorum.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import type { HintedHandoff } from '../coordinator/hinted-handoff.ts';
import type { QuorumService, WriteOutcome } from '../coordinator/quorum-service.ts';
import { defaultSettingsFor } from '../settings.ts';
import { keyTable } from './key-table.ts';
import type { KvRecorder } from './kv-recorder.ts';
import {
  antiEntropyResponse,
  configBody,
  configResponse,
  deleteBody,
  hintsResponse,
  keyParam,
  keysQuery,
  keysResponse,
  merkleQuery,
  merkleResponse,
  nodeParam,
  putBody,
  readQuery,
  readResponse,
  replayResponse,
  replicasResponse,
  statsResponse,
  writeQuery,
  writeResponse,
} from './schemas.ts';
import { AppError } from '../errors.ts';

const writeErrors = ['QUORUM_NOT_REACHED', 'INVALID_CONTEXT', 'INVALID_QUORUM'];

/** Thin routes: parse (the schemas did), call the coordinator, shape the answer. */
export function mountRoutes(
  service: Service,
  deps: {
    quorum: QuorumService;
    handoff: HintedHandoff;
    antiEntropy: AntiEntropyService;
    merkleDepth: number;
    record: KvRecorder;
  },
): void {
  const { quorum, handoff, antiEntropy, record } = deps;

  // PUT and DELETE are one operation: a version (a tombstone when value is null), recorded for /check.
  const write = async (input: {
    key: string;
    value: string | null;
    context: string | undefined;
    w: number | undefined;
    requestId: string;
  }) => {
    const { key, value, w, requestId } = input;
    const context = contextOrThrow(input.context);
    const outcome = await record.write(requestId, { key, isDelete: value === null, w }, () =>
      quorum.write({ key, value, context, requestId, ...(w ? { w } : {}) }),
    );
    return { status: 200 as const, body: writeBody(outcome) };
  };

  service.route({
    method: 'put',
    path: '/kv/{key}',
    summary: 'Write a value to all N replicas; succeeds with W acknowledgements',
    description:
      'Send the `context` of an earlier read to supersede what that read returned; without it the write is concurrent with versions written through other coordinators (siblings).',
    tags: ['kv'],
    params: keyParam,
    query: writeQuery,
    body: putBody,
    bodyExample: { value: 'two apples' },
    errors: writeErrors,
    responses: { 200: { description: 'Acknowledged by at least W replicas', schema: writeResponse } },
    handler: ({ params, query, body, requestId }) =>
      write({ key: params.key, value: body.value, context: body.context, w: query.w, requestId }),
  });

  service.route({
    method: 'get',
    path: '/kv/{key}',
    summary: 'Read from R replicas; several values are concurrent siblings',
    tags: ['kv'],
    params: keyParam,
    query: readQuery,
    errors: ['KEY_NOT_FOUND', 'QUORUM_NOT_REACHED', 'INVALID_QUORUM'],
    responses: {
      200: { description: 'The surviving values and their causal context', schema: readResponse },
    },
    handler: async ({ params, query, requestId }) => {
      const outcome = await record.read(requestId, { key: params.key, r: query.r }, () =>
        quorum.read({ key: params.key, requestId, ...(query.r ? { r: query.r } : {}) }),
      );
      const values = outcome.survivors.filter((version) => !version.isTombstone);
      const context = encodeContext(outcome.context);
      if (values.length === 0) {
        throw new AppError(
          'KEY_NOT_FOUND',
          `No replica in the read quorum holds a value for ${params.key}.`,
          {
            extras: {
              ...(outcome.survivors.length > 0 ? { context, isDeleted: true } : {}),
              answeredBy: outcome.answeredBy,
              repaired: outcome.repaired,
            },
          },
        );
      }
      return {
        status: 200,
        body: {
          key: params.key,
          values: values.map(({ value, clock, writtenAt, writer }) => ({
            value,
            clock: toJSON(clock),
            writtenAt,
            writer,
          })),
          context,
          deletedSiblings: outcome.survivors.length - values.length,
          answeredBy: outcome.answeredBy,
          repaired: outcome.repaired,
        },
      };
    },
  });

  service.route({
    method: 'delete',
    path: '/kv/{key}',
    summary: 'Delete: write a tombstone that replicates like a value',
    description: 'Send the `context` of a read so the tombstone supersedes the values it saw.',
    tags: ['kv'],
    params: keyParam,
    query: writeQuery,
    body: deleteBody,
    bodyExample: { context: 'eyJxdW9ydW0tYSI6eyJjb3VudGVyIjoxLCJ0aW1lc3RhbXAiOjB9fQ' },
    errors: writeErrors,
    responses: {
      200: { description: 'The tombstone was acknowledged by W replicas', schema: writeResponse },
    },
    handler: ({ params, query, body, requestId }) =>
      write({ key: params.key, value: null, context: body?.context, w: query.w, requestId }),
  });

  service.route({
    method: 'get',
    path: '/kv/{key}/replicas',
    summary: "Each replica's raw versions and clocks (no quorum, no repair)",
    tags: ['kv'],
    params: keyParam,
    responses: { 200: { description: 'What every replica stores for the key', schema: replicasResponse } },
    handler: async ({ params }) => ({
      status: 200,
      body: {
        key: params.key,
        replicas: (await quorum.rawReplicas(params.key)).map((replica) => ({
          ...replica,
          versions: replica.versions.map(versionBody),
        })),
      },
    }),
  });

  service.route({
    method: 'get',
    path: '/keys',
    summary:
      "The keys the replicas hold, in natural order, searchable and paged, with each replica's versions",
    description: "What the live view's key table shows: `matching` of `total` keys, `limit` from `offset`.",
    tags: ['kv'],
    query: keysQuery,
    responses: { 200: { description: 'One page of keys', schema: keysResponse } },
    handler: async ({ query }) => ({
      status: 200,
      body: await keyTable(quorum, {
        offset: query.offset,
        limit: query.limit,
        ...(query.q ? { search: query.q } : {}),
      }),
    }),
  });

  const configView = () => ({
    n: quorum.n,
    ...quorum.settings,
    quorumsOverlap: quorumsOverlap({ n: quorum.n, ...quorum.settings }),
  });

  service.route({
    method: 'get',
    path: '/config',
    summary: 'N, W, R and the switches of this coordinator',
    tags: ['config'],
    responses: { 200: { description: 'The settings in force', schema: configResponse } },
    handler: () => ({ status: 200, body: configView() }),
  });

  service.route({
    method: 'put',
    path: '/config',
    summary: "Change this coordinator's W, R, conflict policy and switches (N is fixed)",
    description:
      'Each coordinator has its own settings: set both to run an experiment through either. Changes what the lab promises, so it needs the admin token when one is configured.',
    tags: ['config'],
    admin: true,
    body: configBody,
    bodyExample: defaultSettingsFor(quorum.n),
    errors: ['INVALID_QUORUM'],
    responses: { 200: { description: 'The settings now in force', schema: configResponse } },
    handler: ({ body }) => {
      quorum.configure(body);
      return { status: 200, body: configView() };
    },
  });

  service.route({
    method: 'get',
    path: '/hints',
    summary: 'Hints waiting for each replica, and where they are held',
    tags: ['hints'],
    responses: { 200: { description: 'Pending hints', schema: hintsResponse } },
    handler: async () => ({
      status: 200,
      body: { pending: await handoff.pending(), stored: handoff.stored, delivered: handoff.delivered },
    }),
  });

  service.route({
    method: 'post',
    path: '/hints/replay',
    summary: 'Deliver held hints to every replica that answers now (also runs in the background)',
    tags: ['hints'],
    responses: { 200: { description: 'How many were delivered, and what is left', schema: replayResponse } },
    handler: async () => {
      const delivered = await handoff.replay();
      return { status: 200, body: { delivered, pending: await handoff.pending() } };
    },
  });

  service.route({
    method: 'get',
    path: '/merkle/{node}',
    summary: "A replica's Merkle tree: root, levels and keys per leaf range",
    tags: ['anti-entropy'],
    params: nodeParam,
    query: merkleQuery,
    errors: ['UNKNOWN_REPLICA', 'REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'The tree', schema: merkleResponse } },
    handler: async ({ params, query }) => {
      const replica = quorum.replicas.find((candidate) => candidate.name === params.node);
      if (!replica) {
        throw new AppError(
          'UNKNOWN_REPLICA',
          `No replica named ${params.node}; replicas: ${quorum.replicas.map((r) => r.name).join(', ')}.`,
        );
      }
      const tree = await antiEntropy.tree(replica, query.depth ?? deps.merkleDepth);
      return { status: 200, body: { node: replica.name, ...tree } };
    },
  });

  service.route({
    method: 'post',
    path: '/anti-entropy',
    summary: 'Compare every pair of replicas range by range and repair the differences',
    tags: ['anti-entropy'],
    responses: {
      200: { description: 'What was compared, found, repaired and moved', schema: antiEntropyResponse },
    },
    handler: async () => ({ status: 200, body: await antiEntropy.run() }),
  });

  service.route({
    method: 'get',
    path: '/stats',
    summary: "This coordinator's figures",
    tags: ['stats'],
    responses: { 200: { description: 'Counters since start', schema: statsResponse } },
    handler: () => ({
      status: 200,
      body: {
        instance: service.instance,
        n: quorum.n,
        ...quorum.counters,
        hintsStored: handoff.stored,
        hintsDelivered: handoff.delivered,
        antiEntropyRuns: antiEntropy.runs,
        antiEntropyKeysRepaired: antiEntropy.keysRepaired,
      },
    }),
  });
}

function contextOrThrow(context: string | undefined) {
  const decoded = decodeContext(context);
  if (!decoded.ok)
    throw new AppError(
      'INVALID_CONTEXT',
      `The context is not one this service handed out: ${decoded.reason}.`,
    );
  return decoded.clock;
}

function writeBody(outcome: WriteOutcome) {
  return {
    key: outcome.key,
    clock: toJSON(outcome.clock),
    context: encodeContext(outcome.clock),
    acks: outcome.tally.acks,
    needed: outcome.tally.needed,
    replicas: outcome.replicas.map((result) => ({ ...result, ok: result.status === 'ack' })),
    hinted: outcome.hinted,
  };
}

function versionBody(version: StoredVersion) {
  return { ...version, clock: toJSON(version.clock) };
}

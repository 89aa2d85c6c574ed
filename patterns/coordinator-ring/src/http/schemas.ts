import { z } from '@kvs-lab/shared/service';

/** The zod schemas that validate requests, type the handlers and write the OpenAPI document. */

export const nodeId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a node id like ring-2');

export const kvKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'letters, digits and . _ : -, 1 to 200 characters')
  .openapi({ example: 'user:42' });

export const keyParams = z.object({ key: kvKey });

export const putBody = z
  .strictObject({ value: z.string().max(4096, 'at most 4096 characters') })
  .openapi('PutBody');

export const readQuery = z.strictObject({
  stale: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ description: '`true`: answer from this node’s replica at once, possibly behind.' }),
});

const clockEntry = z.strictObject({ counter: z.number().int().min(1), timestamp: z.number().int().min(0) });
export const clockSchema = z.record(z.string().max(64), clockEntry).openapi('VectorClock', {
  description:
    'node id -> { counter, timestamp }: the writes each leader coordinated in this version’s history',
  example: { 'ring-1': { counter: 2, timestamp: 7 }, 'ring-2': { counter: 1, timestamp: 12 } },
});

export const writeResult = z
  .object({
    key: z.string(),
    value: z.string().nullable(),
    clock: clockSchema,
    term: z.number().int(),
    index: z.number().int(),
    leaderId: z.string(),
    replaces: z
      .object({
        index: z.number().int(),
        clock: clockSchema,
        relation: z.enum(['before', 'after', 'equal', 'concurrent']),
      })
      .nullable()
      .openapi({
        description:
          'The version this write was stamped on top of (null for the key’s first write) and how the new ' +
          'clock compares with its clock: always `after`, since one leader orders every write.',
      }),
  })
  .openapi('WriteResult');

export const readResult = z
  .object({
    key: z.string(),
    value: z.string(),
    clock: clockSchema,
    term: z.number().int(),
    index: z.number().int(),
    servedBy: z.string(),
    stale: z.boolean(),
  })
  .openapi('ReadResult');

export const roleSchema = z.enum(['leader', 'follower', 'candidate']);
export const memberStateSchema = z.enum(['alive', 'suspect', 'dead']);
const term = z.number().int().min(0);
const index = z.number().int().min(0);
const nodeProgress = z
  .strictObject({ term, role: roleSchema, commitIndex: index, lastLogIndex: index })
  .openapi('NodeProgress', {
    description: 'Where the node stands, as it last said in its gossip (the live view draws it)',
  });

export const ringView = z
  .object({
    self: z.string(),
    term: z.number().int(),
    leaderId: z.string().nullable(),
    members: z.array(
      z.object({
        id: z.string(),
        url: z.string().nullable(),
        state: memberStateSchema,
        heartbeatAgeMs: z.number().nullable(),
        isLeader: z.boolean(),
        isSelf: z.boolean(),
        progress: nodeProgress.nullable().openapi({
          description:
            'Its term, role, commit index and last log index as last heard (null: not heard yet, or etcd)',
        }),
      }),
    ),
  })
  .openapi('RingView');

export const statusView = z
  .object({
    id: z.string(),
    engine: z.enum(['raft', 'etcd']).openapi({ description: 'What keeps the log and elects: ENGINE' }),
    role: roleSchema,
    term: z.number().int(),
    votedFor: z.string().nullable(),
    leaderId: z.string().nullable(),
    commitIndex: z.number().int(),
    lastApplied: z.number().int(),
    lastLogIndex: z.number().int(),
    snapshotIndex: z.number().int().optional().openapi({
      description: 'Raft: the log holds only the entries after this index (compacted before it)',
    }),
    lastWrite: z
      .object({ key: z.string(), index: z.number().int(), term: z.number().int(), clock: clockSchema })
      .nullable(),
    suspects: z.array(z.string()),
  })
  .openapi('NodeStatus');

export const voteRequest = z
  .strictObject({ term, candidateId: nodeId, lastLogIndex: index, lastLogTerm: term })
  .openapi('VoteRequest');
export const voteReply = z
  .object({ term, granted: z.boolean(), reason: z.string().optional() })
  .openapi('VoteReply');

const command = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('put'), key: kvKey, value: z.string().max(4096), clock: clockSchema }),
  z.strictObject({ type: z.literal('delete'), key: kvKey, clock: clockSchema }),
  z.strictObject({ type: z.literal('noop') }),
]);
const logEntry = z.strictObject({ index: z.number().int().min(1), term: z.number().int().min(1), command });

export const appendRequest = z
  .strictObject({
    term,
    leaderId: nodeId,
    prevLogIndex: index,
    prevLogTerm: term,
    entries: z.array(logEntry).max(10_000),
    leaderCommit: index,
  })
  .refine((r) => r.entries.every((e, i) => e.index === r.prevLogIndex + 1 + i), {
    message: 'entries must be consecutive, starting at prevLogIndex + 1',
    path: ['entries'],
  })
  .openapi('AppendEntriesRequest');
export const appendReply = z
  .object({
    term,
    success: z.boolean(),
    matchIndex: index.optional(),
    retryFrom: index.optional(),
  })
  .openapi('AppendEntriesReply');

export const snapshotChunk = z
  .strictObject({
    term,
    leaderId: nodeId,
    lastIncludedIndex: index,
    lastIncludedTerm: term,
    compactedTerms: z.array(z.tuple([z.number().int().min(1), term])).max(100_000),
    offset: z.number().int().min(0),
    pairs: z.array(z.tuple([kvKey, z.string().max(16_384)])).max(1_000),
    done: z.boolean(),
  })
  .openapi('InstallSnapshotChunk');
export const snapshotReply = z.object({ term, success: z.boolean() }).openapi('InstallSnapshotReply');

export const heartbeat = z
  .strictObject({
    from: nodeId,
    gossip: z.record(nodeId, z.number().int().min(0)),
    progress: nodeProgress.optional(),
  })
  .openapi('Heartbeat');

export const leaderView = z
  .object({
    leaderId: z.string().nullable(),
    term: z.number().int(),
    self: z.string(),
    isSelf: z.boolean(),
    engine: z.enum(['raft', 'etcd']),
  })
  .openapi('LeaderView');

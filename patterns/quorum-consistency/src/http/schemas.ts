import { z } from '@kvs-lab/shared/service';

/** Keys are plain names: letters, digits and `._:-`, at most 200 characters (they end up in Redis key names). */
export const keyParam = z.object({
  key: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only, 1-200 characters')
    .meta({ example: 'cart-42' }),
});

export const maxValueBytes = 16 * 1024;

const context = z.string().max(4096).meta({
  description:
    'The opaque causal context of an earlier read of this key: the write supersedes what that read returned.',
  example: 'eyJxdW9ydW0tYSI6eyJjb3VudGVyIjoxLCJ0aW1lc3RhbXAiOjB9fQ',
});

const quorumSize = (what: string) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .meta({
      description: `${what} for this request only (1..N); defaults to the configured value.`,
      example: 2,
    });

export const writeQuery = z.strictObject({ w: quorumSize('Write quorum W') });
export const readQuery = z.strictObject({ r: quorumSize('Read quorum R') });

export const putBody = z.strictObject({
  value: z.string().max(maxValueBytes).meta({ example: 'two apples' }),
  context: context.optional(),
});

export const deleteBody = z.strictObject({ context: context.optional() }).optional();

export const clockJson = z
  .record(z.string(), z.object({ counter: z.number().int(), timestamp: z.number().int() }))
  .meta({ id: 'VectorClock', example: { 'quorum-a': { counter: 2, timestamp: 1 } } });

const replicaResult = z
  .object({
    node: z.string(),
    ok: z.boolean(),
    status: z.enum(['ack', 'unreachable', 'timeout', 'pending']).meta({
      description: '`pending`: still in flight when the write answered at W (answerAtQuorum).',
    }),
    hintedOn: z.string().optional(),
  })
  .meta({ id: 'ReplicaWriteResult' });

const hint = z.object({ target: z.string(), heldBy: z.string() });

export const writeResponse = z
  .object({
    key: z.string(),
    clock: clockJson,
    context: z.string().meta({ description: 'Context of this version, for a follow-up write.' }),
    acks: z.number().int(),
    needed: z.number().int(),
    replicas: z.array(replicaResult),
    hinted: z.array(hint),
  })
  .meta({ id: 'WriteResult' });

export const versionView = z
  .object({
    value: z.string().nullable(),
    isTombstone: z.boolean(),
    clock: clockJson,
    writtenAt: z.number().int(),
    writer: z.string(),
  })
  .meta({ id: 'Version' });

export const readResponse = z
  .object({
    key: z.string(),
    values: z.array(versionView.pick({ value: true, clock: true, writtenAt: true, writer: true })),
    context: z.string(),
    deletedSiblings: z
      .number()
      .int()
      .meta({ description: 'Tombstones concurrent with the values returned.' }),
    answeredBy: z.array(z.string()),
    repaired: z.array(z.string()),
  })
  .meta({ id: 'ReadResult' });

export const replicasResponse = z
  .object({
    key: z.string(),
    replicas: z.array(z.object({ node: z.string(), isUp: z.boolean(), versions: z.array(versionView) })),
  })
  .meta({ id: 'ReplicaVersions' });

export const keysQuery = z.strictObject({
  q: z.string().max(200).optional().meta({ description: 'Only keys containing this text (any case).' }),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(40),
});

export const keysResponse = z
  .object({
    total: z.number().int().meta({ description: 'Keys the replicas hold between them.' }),
    matching: z.number().int().meta({ description: 'Keys containing `q` (all of them without it).' }),
    offset: z.number().int(),
    keys: z.array(
      z.object({
        key: z.string(),
        replicas: z.array(z.object({ node: z.string(), isUp: z.boolean(), versions: z.array(versionView) })),
      }),
    ),
  })
  .meta({ id: 'KeyTable' });

export const configBody = z.strictObject({
  w: z.number().int().min(1).optional(),
  r: z.number().int().min(1).optional(),
  conflictPolicy: z.enum(['vector-clock', 'lww']).optional(),
  sloppyQuorum: z.boolean().optional(),
  hintedHandoff: z.boolean().optional(),
  readRepair: z.boolean().optional(),
  answerAtQuorum: z.boolean().optional(),
});

export const configResponse = z
  .object({
    n: z.number().int(),
    w: z.number().int(),
    r: z.number().int(),
    conflictPolicy: z.enum(['vector-clock', 'lww']),
    sloppyQuorum: z.boolean(),
    hintedHandoff: z.boolean(),
    readRepair: z.boolean(),
    answerAtQuorum: z.boolean().meta({
      description: 'Writes answer at W acknowledgements; the other replicas finish in the background.',
    }),
    quorumsOverlap: z
      .boolean()
      .meta({ description: 'W + R > N: every read quorum meets every write quorum.' }),
  })
  .meta({ id: 'QuorumConfig' });

const pendingHints = z.object({
  target: z.string(),
  heldBy: z.string(),
  count: z.number().int(),
  keys: z.array(z.string()),
});

export const hintsResponse = z
  .object({ pending: z.array(pendingHints), stored: z.number().int(), delivered: z.number().int() })
  .meta({ id: 'Hints' });

export const replayResponse = z
  .object({ delivered: z.number().int(), pending: z.array(pendingHints) })
  .meta({ id: 'HintReplay' });

export const nodeParam = z.object({ node: z.string().min(1).max(64).meta({ example: 'replica-1' }) });
export const merkleQuery = z.strictObject({
  depth: z.coerce.number().int().min(0).max(12).optional().meta({
    description:
      'How many levels of the stored tree to show below the root (default: MERKLE_DEPTH); the replica keeps 14.',
  }),
});

export const merkleResponse = z
  .object({
    node: z.string(),
    depth: z.number().int(),
    root: z.string(),
    keys: z.number().int(),
    levels: z.array(z.array(z.string())),
    leafKeyCounts: z.array(z.number().int()),
  })
  .meta({ id: 'MerkleTree' });

export const antiEntropyResponse = z
  .object({
    replicasCompared: z.array(z.string()),
    replicasSkipped: z.array(z.string()),
    depth: z.number().int(),
    rangesCompared: z.number().int(),
    rangesDiffering: z.number().int(),
    keysListed: z.number().int(),
    keysRepaired: z.number().int(),
    tombstonesCollected: z.number().int(),
    bytesMoved: z.number().int().meta({ description: 'Measured: wire.bytes.' }),
    versionBytes: z.number().int(),
    fullCopyBytes: z.number().int().meta({
      description:
        'Bytes a full copy of the fullest replica to every other must move at the least: its sibling sets out of it and into each other replica (a model, without framing).',
    }),
    wire: z
      .object({
        bytes: z.number().int(),
        replicas: z.array(
          z.object({ node: z.string(), inputBytes: z.number().int(), outputBytes: z.number().int() }),
        ),
      })
      .meta({
        description:
          "Bytes in and out of each compared replica during the round, from its INFO stats counters (other clients' traffic in that time included).",
      }),
    durationMs: z.number(),
  })
  .meta({ id: 'AntiEntropyReport' });

export const statsResponse = z
  .object({
    instance: z.string(),
    n: z.number().int(),
    writes: z.number().int(),
    writesFailed: z.number().int(),
    reads: z.number().int(),
    readsFailed: z.number().int(),
    readsWithSiblings: z.number().int(),
    readRepairs: z.number().int(),
    hintsStored: z.number().int(),
    hintsDelivered: z.number().int(),
    antiEntropyRuns: z.number().int(),
    antiEntropyKeysRepaired: z.number().int(),
  })
  .meta({ id: 'QuorumStats' });

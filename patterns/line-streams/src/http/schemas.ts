import { z } from '@kvs-lab/shared/service';

/** Room, user, group and consumer names end up inside Redis keys: a small safe alphabet, no `:`. */
export const name = (example: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and -, 1-64 characters')
    .openapi({ example });

export const streamId = z
  .string()
  .regex(/^\d{1,16}-\d{1,16}$/, 'a stream entry id <ms>-<seq>')
  .openapi({ example: '1700000000000-0' });

export const roomParams = z.object({ room: name('general') });
export const userParams = z.object({ user: name('bob') });
export const groupParams = z.object({ group: name('delivery') });
export const consumerParams = z.object({ group: name('delivery'), consumer: name('learner') });
export const deadLetterParams = z.object({ id: streamId });

export const sendBody = z.strictObject({
  senderId: name('alice'),
  // No max here on purpose: an oversized text is 413 MESSAGE_TOO_LARGE (bytes, checked in the service).
  text: z.string().min(1).openapi({ example: 'hello' }),
  clientMsgId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, 1-64 characters')
    .optional()
    .openapi({ example: 'c-42', description: 'Client retry key: a resend with the same id is recognised.' }),
});

export const sendReply = z
  .object({
    id: streamId,
    room: z.string(),
    duplicate: z.boolean(),
    evicted: z
      .number()
      .int()
      .openapi({ description: 'Entries trimmed from the room by this send (exact MAXLEN).' }),
    evictedUndelivered: z.number().int().openapi({
      description:
        'Of those, entries not yet in inboxes: moved to the dead letters, reason `evicted` (count) or `expired` (age).',
    }),
    evictedByAge: z.number().int().openapi({
      description:
        'Of the evicted, entries older than ROOM_MAX_AGE_MS (XTRIM MINID); the rest went by count.',
    }),
  })
  .openapi('SendReply');

export const message = z
  .object({
    id: z.string(),
    room: z.string(),
    senderId: z.string(),
    text: z.string(),
    sentAt: z.number().int(),
    clientMsgId: z.string().optional(),
    replayOf: z.string().optional(),
    deliveredAt: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Inbox entries only: when the worker applied the effect (ms).' }),
  })
  .openapi('Message');

export const messagesQuery = z.strictObject({
  after: streamId.optional().openapi({ description: 'Exclusive: entries newer than this id.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const messagesReply = z
  .object({
    room: z.string(),
    length: z.number().int(),
    appliedId: z.string().nullable().openapi({ description: 'Newest entry whose inbox effect is applied.' }),
    messages: z.array(message),
    nextAfter: z.string().nullable().openapi({ description: 'Pass as `after` for the next page.' }),
  })
  .openapi('Messages');

export const roomsReply = z.array(
  z.object({
    room: z.string(),
    length: z.number().int(),
    appliedId: z.string().nullable(),
    members: z.number().int(),
  }),
);

export const membersBody = z.strictObject({
  members: z
    .array(name('bob'))
    .max(1000)
    .openapi({ example: ['alice', 'bob', 'carol'] }),
});
export const membersReply = z.object({ room: z.string(), members: z.array(z.string()) }).openapi('Members');

export const inboxQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(50) });
export const inboxReply = z
  .object({
    user: z.string(),
    unread: z.number().int(),
    total: z.number().int(),
    messages: z.array(message).openapi({ description: 'Newest first.' }),
  })
  .openapi('Inbox');

const consumerInfo = z.object({ name: z.string(), pending: z.number().int(), idleMs: z.number().int() });
export const groupsReply = z.array(
  z
    .object({
      group: z.string(),
      lag: z
        .number()
        .int()
        .nullable()
        .openapi({ description: 'Entries not yet delivered to the group, all rooms.' }),
      pending: z.number().int(),
      consumers: z
        .array(consumerInfo)
        .openapi({ description: 'Pending summed over rooms; idle is the smallest.' }),
      rooms: z.array(
        z.object({
          room: z.string(),
          lastDeliveredId: z.string(),
          entriesRead: z.number().int().nullable(),
          lag: z.number().int().nullable(),
          pending: z.number().int(),
          consumers: z.array(consumerInfo),
        }),
      ),
    })
    .openapi('Group'),
);

export const createGroupBody = z.strictObject({
  startId: z
    .enum(['0', '$'])
    .default('$')
    .openapi({ description: '`0`: from the first entry; `$`: only new ones.' }),
});

export const pendingQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
export const pendingEntry = z
  .object({
    room: z.string(),
    id: z.string(),
    consumer: z.string(),
    idleMs: z.number().int(),
    deliveries: z.number().int(),
  })
  .openapi('PendingEntry');

export const readBody = z.strictObject({
  count: z.number().int().min(1).max(1000).default(10),
  blockMs: z.number().int().min(0).max(10_000).default(0).openapi({
    description: '0: answer at once; otherwise wait up to this long for a new entry (XREADGROUP BLOCK).',
  }),
});

export const ackBody = z.strictObject({
  // Not in the issue's `{ ids }`: see "Where the API differs from the issue" in the README.
  room: name('general').openapi({
    description: 'The room whose stream holds the ids: an entry id is unique only within its own stream.',
  }),
  ids: z.array(streamId).min(1).max(1000),
});

export const claimBody = z.strictObject({
  minIdleMs: z.number().int().min(0).max(3_600_000).openapi({ example: 5000 }),
  consumer: name('learner').default('learner'),
  count: z.number().int().min(1).max(1000).default(100),
});

export const claimReply = z
  .object({
    consumer: z.string(),
    claimed: z.array(message),
    deleted: z.array(z.object({ room: z.string(), id: z.string() })).openapi({
      description: 'Pending ids whose entries were trimmed: XAUTOCLAIM removed them from the PEL.',
    }),
  })
  .openapi('ClaimReply');

export const deadLetter = message
  .extend({
    deadLetterId: z.string(),
    originalId: z.string(),
    reason: z.enum(['max-deliveries', 'evicted', 'expired', 'acked-unapplied']).or(z.string()),
    deliveries: z.number().int(),
    consumer: z.string().optional(),
  })
  .openapi('DeadLetter');

export const deadLettersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
export const replayReply = z
  .object({ deadLetterId: z.string(), room: z.string(), id: z.string(), evicted: z.number().int() })
  .openapi('ReplayReply');

export const statsReply = z
  .object({
    instance: z.string(),
    role: z.enum(['api', 'worker']),
    rooms: z.number().int(),
    deadLetters: z.number().int(),
    counters: z.record(z.string(), z.number()),
    worker: z.record(z.string(), z.number()).nullable(),
    settings: z.record(z.string(), z.union([z.string(), z.number()])),
  })
  .openapi('Stats');

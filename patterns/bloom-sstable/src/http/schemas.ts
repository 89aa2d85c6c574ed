import { z } from '@kvs-lab/shared/service';
import { fromText } from '../domain/byte-string.ts';
import { utf8Length } from '../domain/bytes.ts';
import { keyProblem } from '../domain/entry.ts';

/**
 * HTTP keys are text: their UTF-8 bytes are the key, under the store's one rule
 * ([`keyProblem`](../domain/entry.ts), also applied by the RESP2 port), and no control characters
 * (they would make URLs and logs ambiguous; RESP2 clients may still use any bytes).
 */
export function keySchema(maxKeyBytes: number) {
  return z
    .string()
    .min(1)
    .superRefine((k, ctx) => {
      const problem =
        keyProblem(fromText(k), maxKeyBytes) ?? (/\p{Cc}/u.test(k) ? 'no control characters' : undefined);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ example: 'user:42' });
}

/** A key in a path or query: its text, or its bytes in base64 with `keyEncoding=base64`; the key rule is applied once decoded. */
export function keyInSchema(maxKeyBytes: number) {
  return z
    .string()
    .min(1)
    .max(Math.ceil(maxKeyBytes / 3) * 4)
    .openapi({
      example: 'user:42',
      description: 'The key as text (its UTF-8 bytes), or base64 with keyEncoding=base64.',
    });
}

export const keyEncodingSchema = z.enum(['utf8', 'base64']).default('utf8').openapi({
  description:
    '`base64`: the key (and `start`, `end`, `prefix`) are the exact bytes in base64, for keys that are not UTF-8 (as `keyBase64` shows them).',
});

const keyBase64 = z.string().optional().openapi({
  description:
    'Only when the key is not valid UTF-8 (written over RESP2): its exact bytes in base64; `key` then shows U+FFFD for each bad sequence.',
});
const valueBase64 = z.string().optional().openapi({
  description: 'Only when the value is not valid UTF-8: its exact bytes in base64; `value` is then lossy.',
});

export function valueSchema(maxValueBytes: number) {
  return z
    .string()
    .refine((v) => utf8Length(v) <= maxValueBytes, `at most ${maxValueBytes} bytes (UTF-8)`)
    .openapi({ example: 'Ada Lovelace' });
}

export const seqSchema = z
  .number()
  .int()
  .min(0)
  .openapi({ description: 'Sequence number: the global write order.' });
// Digits only: a coerced number would read `?asOf=` (empty) as 0, and ` `, `0x10` or `1e3` as numbers.
const seqText = z
  .string()
  .regex(/^\d{1,16}$/, 'a seq: a whole number')
  .transform(Number)
  .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER));

/** A seq in a path (`/snapshots/{seq}`): digits only, like `asOf`. */
export const seqParamSchema = seqText.openapi({ description: 'A pinned seq: digits only.', example: '3' });

const asOfQuery = seqText
  .optional()
  .openapi({ description: 'Snapshot read: the newest version with seq <= asOf.', example: '3' });

export const traceSchema = z
  .object({
    bloomChecks: z.number().int(),
    bloomNegatives: z.number().int(),
    bloomFalsePositives: z.number().int(),
    sstablesRead: z.number().int().openapi({ description: 'Tables whose data blocks were read.' }),
    levels: z.array(
      z.object({
        level: z.number().int(),
        file: z.number().int(),
        outcome: z.enum(['bloom-negative', 'bloom-false-positive', 'found']),
      }),
    ),
    noFilterReason: z.string().nullable().openapi({
      description:
        'When no Bloom filter was consulted, why: a cache or the memtable answered, no table exists yet, or the key lies outside every table.',
    }),
  })
  .openapi('ReadTrace');

export const servedFromSchema = z.enum(['l1', 'l2', 'memtable', 'sstable', 'none']);

export const writeResultSchema = z
  .object({ key: z.string(), keyBase64, seq: seqSchema, tombstone: z.boolean().optional() })
  .openapi('WriteResult');

export const readResultSchema = z
  .object({
    key: z.string(),
    keyBase64,
    value: z.string(),
    valueBase64,
    seq: seqSchema,
    servedFrom: servedFromSchema,
    trace: traceSchema.nullable(),
    traceUnavailable: z.string().optional().openapi({
      description: 'Why `trace` is null: the engine (LevelDB) does not report its read path.',
    }),
  })
  .openapi('ReadResult');

export const getQuerySchema = z.strictObject({ asOf: asOfQuery, keyEncoding: keyEncodingSchema });

export const keyEncodingQuerySchema = z.strictObject({ keyEncoding: keyEncodingSchema });

export function scanQuerySchema(maxKeyBytes: number) {
  return z.strictObject({
    start: keyInSchema(maxKeyBytes)
      .optional()
      .openapi({ description: 'First key (inclusive).', example: 'user:' }),
    end: keyInSchema(maxKeyBytes)
      .optional()
      .openapi({ description: 'Last key (exclusive).', example: 'user:~' }),
    prefix: z
      .string()
      .max(Math.ceil(maxKeyBytes / 3) * 4)
      .optional()
      .openapi({ description: 'Only keys with this prefix.', example: 'user:' }),
    keyEncoding: keyEncodingSchema,
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    asOf: asOfQuery,
  });
}

export const scanResultSchema = z
  .object({
    items: z.array(z.object({ key: z.string(), keyBase64, value: z.string(), valueBase64, seq: seqSchema })),
    nextStart: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `start` for the next page; null at the end.' }),
    nextStartBase64: keyBase64,
  })
  .openapi('ScanResult');

export const flushResultSchema = z
  .object({
    fileNumber: z.number().int().nullable(),
    entries: z.number().int().nullable(),
    bytesWritten: z.number().int().nullable(),
    durationMs: z.number(),
    unavailable: z.string().optional().openapi({ description: 'Why some figures are null (LevelDB).' }),
  })
  .openapi('FlushReport');

export const compactionResultSchema = z
  .object({
    compacted: z.boolean(),
    reason: z.string().optional(),
    level: z.number().int().optional(),
    outputLevel: z.number().int().optional(),
    inputFiles: z.array(z.number().int()).optional(),
    outputFiles: z.array(z.number().int()).optional(),
    entriesIn: z.number().int().nullable().optional(),
    entriesOut: z.number().int().nullable().optional(),
    droppedVersions: z.number().int().nullable().optional(),
    droppedTombstones: z.number().int().nullable().optional(),
    unavailable: z.string().optional().openapi({ description: 'Why some figures are null (LevelDB).' }),
    bytesRead: z.number().int().optional(),
    bytesWritten: z.number().int().optional(),
    durationMs: z.number().optional(),
  })
  .openapi('CompactionReport');

export const compactBodySchema = z
  .strictObject({})
  .openapi({ description: 'No options: a full compaction.' });

export const tableSchema = z
  .object({
    file: z.number().int(),
    level: z.number().int(),
    smallestKey: z.string().nullable(),
    largestKey: z.string().nullable(),
    entries: z.number().int().nullable(),
    tombstones: z.number().int().nullable(),
    keys: z.number().int().nullable(),
    sizeBytes: z.number().int(),
    filterBytes: z.number().int().nullable(),
    bitsPerKey: z.number().nullable(),
    hashCount: z.number().int().nullable(),
    minSeq: z.number().int().nullable(),
    maxSeq: z.number().int().nullable(),
  })
  .openapi('SSTable');

export const sstablesSchema = z
  .object({
    levels: z.array(z.object({ level: z.number().int(), tables: z.array(tableSchema) })),
    unavailable: z.string().optional().openapi({ description: 'Why some fields are null (LevelDB).' }),
  })
  .openapi('SSTables');

export const statsSchema = z.record(z.string(), z.unknown()).openapi('LsmStats', {
  description: 'Memtable, levels, Bloom filters, caches, WAL, amplification, write stall.',
});

export const snapshotSchema = z.object({ seq: seqSchema }).openapi('Snapshot');

export const bloomSettingsSchema = z
  .strictObject({ bitsPerKey: z.number().int().min(1).max(32).openapi({ example: 4 }) })
  .openapi('BloomSettings');

export const probeBodySchema = z.strictObject({
  count: z.number().int().min(1).max(200_000).default(10_000),
  prefix: z.string().max(64).default('user:').openapi({
    description: 'Probe keys look like `<prefix><seed>:<i>~`: inside your key range, never written.',
  }),
  seed: z.number().int().min(0).max(1_000_000).default(1),
});

export const probeResultSchema = z
  .object({
    probes: z.number().int(),
    presentSkipped: z.number().int(),
    bloomChecks: z.number().int().nullable(),
    bloomNegatives: z.number().int().nullable(),
    bloomFalsePositives: z.number().int().nullable(),
    observedFalsePositiveRate: z.number().nullable(),
    theoreticalFalsePositiveRate: z.number().nullable(),
    readsTouchingNoData: z.number().int().nullable(),
    fractionTouchingNoData: z.number().nullable(),
    unavailable: z.string().optional().openapi({ description: 'Why the Bloom figures are null (LevelDB).' }),
  })
  .openapi('BloomProbe');

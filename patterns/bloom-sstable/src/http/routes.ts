import { z } from '@kvs-lab/shared/service';
import type { Service } from '@kvs-lab/shared/service';
import type { ByteString } from '../domain/byte-string.ts';
import { displayOf, fromBase64, fromText } from '../domain/byte-string.ts';
import { keyProblem } from '../domain/entry.ts';
import type { LsmService } from '../lsm-service.ts';
import {
  bloomSettingsSchema,
  compactBodySchema,
  compactionResultSchema,
  flushResultSchema,
  getQuerySchema,
  keyEncodingQuerySchema,
  keyEncodingSchema,
  keyInSchema,
  keySchema,
  probeBodySchema,
  probeResultSchema,
  readResultSchema,
  scanQuerySchema,
  scanResultSchema,
  seqParamSchema,
  snapshotSchema,
  sstablesSchema,
  statsSchema,
  valueSchema,
  writeResultSchema,
} from './schemas.ts';
import { AppError } from '../errors.ts';

/** Thin routes: validate (zod), call the service, answer. */
export function registerRoutes(
  service: Service,
  lsm: LsmService,
  limits: { maxKeyBytes: number; maxValueBytes: number },
): void {
  const key = keySchema(limits.maxKeyBytes);
  const value = valueSchema(limits.maxValueBytes);
  const keyParams = z.object({ key: keyInSchema(limits.maxKeyBytes) });
  /** The key's bytes from its text or base64, under the one key rule; 400 otherwise. */
  const keyFrom = (text: string, encoding: 'utf8' | 'base64', field = 'key'): ByteString => {
    const bytes = encoding === 'base64' ? fromBase64(text) : fromText(text);
    const problem =
      bytes === undefined
        ? 'not canonical base64'
        : (keyProblem(bytes, limits.maxKeyBytes) ??
          (encoding === 'utf8' && /\p{Cc}/u.test(text) ? 'no control characters' : undefined));
    if (problem !== undefined || bytes === undefined) {
      throw new AppError('VALIDATION_FAILED', `${field}: ${problem ?? 'invalid'}`, {
        extras: { errors: [{ path: field, message: problem ?? 'invalid' }] },
      });
    }
    return bytes;
  };
  const prefixFrom = (text: string, encoding: 'utf8' | 'base64'): ByteString => {
    const bytes = encoding === 'base64' ? fromBase64(text) : fromText(text);
    if (bytes === undefined) throw new AppError('VALIDATION_FAILED', 'prefix: not canonical base64');
    return bytes;
  };
  const kv = ['kv'];

  const read = async (
    text: string,
    asOf: number | undefined,
    requestId: string,
    encoding: 'utf8' | 'base64' = 'utf8',
  ) => {
    const r = await lsm.get(keyFrom(text, encoding), asOf, requestId);
    if (!r.found) {
      throw new AppError(
        'KEY_NOT_FOUND',
        `No live value for "${text}"${asOf === undefined ? '' : ` at asOf=${asOf}`}.`,
        {
          extras: {
            key: text,
            servedFrom: r.servedFrom,
            trace: r.trace,
            ...(r.traceUnavailable === undefined ? {} : { traceUnavailable: r.traceUnavailable }),
          },
        },
      );
    }
    return {
      status: 200,
      body: {
        ...keyFields(r.key),
        ...valueFields(r.value ?? ''),
        seq: r.seq,
        servedFrom: r.servedFrom,
        trace: r.trace,
        ...(r.traceUnavailable === undefined ? {} : { traceUnavailable: r.traceUnavailable }),
      },
    };
  };

  service.route({
    method: 'get',
    path: '/kv/{key}',
    summary: 'Read a key (L1 -> L2 -> memtable -> SSTables), with the path it took',
    description:
      'The 404 answer carries the same `trace`: an absent key usually costs only Bloom-filter checks.',
    tags: kv,
    params: keyParams,
    query: getQuerySchema,
    errors: ['KEY_NOT_FOUND', 'SNAPSHOT_TOO_OLD', 'AS_OF_UNAVAILABLE'],
    responses: { 200: { description: 'The newest visible version', schema: readResultSchema } },
    handler: ({ params, query, requestId }) => read(params.key, query.asOf, requestId, query.keyEncoding),
  });

  service.route({
    method: 'put',
    path: '/kv/{key}',
    summary: 'Write a key: WAL append (durable per FSYNC), memtable insert, cache update',
    tags: kv,
    params: keyParams,
    query: keyEncodingQuerySchema,
    body: z.strictObject({ value }),
    bodyExample: { value: 'Ada Lovelace' },
    errors: ['STORAGE_FAILED'],
    responses: { 200: { description: 'Acknowledged with its sequence number', schema: writeResultSchema } },
    handler: async ({ params, query, body, requestId }) => ({
      status: 200,
      body: written(await lsm.put(keyFrom(params.key, query.keyEncoding), fromText(body.value), requestId)),
    }),
  });

  service.route({
    method: 'delete',
    path: '/kv/{key}',
    summary: 'Delete a key: writes a tombstone with its own seq',
    tags: kv,
    params: keyParams,
    query: keyEncodingQuerySchema,
    errors: ['STORAGE_FAILED'],
    responses: { 200: { description: 'The tombstone', schema: writeResultSchema } },
    handler: async ({ params, query, requestId }) => ({
      status: 200,
      body: {
        ...written(await lsm.delete(keyFrom(params.key, query.keyEncoding), requestId)),
        tombstone: true,
      },
    }),
  });

  service.route({
    method: 'get',
    path: '/kv',
    summary: 'Range scan in key order, merging the memtables and every level',
    tags: kv,
    query: scanQuerySchema(limits.maxKeyBytes),
    errors: ['SNAPSHOT_TOO_OLD', 'AS_OF_UNAVAILABLE'],
    responses: { 200: { description: 'One page of live keys', schema: scanResultSchema } },
    handler: async ({ query }) => {
      const page = await lsm.scan({
        limit: query.limit,
        ...(query.start === undefined ? {} : { start: keyFrom(query.start, query.keyEncoding, 'start') }),
        ...(query.end === undefined ? {} : { end: keyFrom(query.end, query.keyEncoding, 'end') }),
        ...(query.prefix === undefined ? {} : { prefix: prefixFrom(query.prefix, query.keyEncoding) }),
        ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
      });
      const next = page.nextStart === null ? undefined : displayOf(page.nextStart);
      return {
        status: 200,
        body: {
          items: page.items.map((e) => ({ ...keyFields(e.key), ...valueFields(e.value), seq: e.seq })),
          nextStart: next?.text ?? null,
          ...(next?.base64 === undefined ? {} : { nextStartBase64: next.base64 }),
        },
      };
    },
  });

  const lsmTags = ['lsm'];
  service.route({
    method: 'post',
    path: '/flush',
    summary: 'Flush the memtable to a new L0 SSTable now',
    tags: lsmTags,
    errors: ['STORAGE_FAILED'],
    responses: {
      200: {
        description: 'What was written (fileNumber null when the memtable was empty)',
        schema: flushResultSchema,
      },
    },
    handler: async () => ({ status: 200, body: await lsm.flush() }),
  });

  const compact = async () => {
    const report = await lsm.compact();
    return { status: 200, body: report ? { compacted: true, ...report } : { compacted: false } };
  };
  service.route({
    method: 'post',
    path: '/compact',
    summary: 'Full compaction: flush, then merge every table into one sorted run at the bottom level',
    description: "Also the seed's `/compact`. Drops overwritten versions and tombstones no snapshot needs.",
    tags: lsmTags,
    body: compactBodySchema.optional(),
    errors: ['STORAGE_FAILED'],
    responses: {
      200: {
        description: 'What was merged, bytes read and written, duration',
        schema: compactionResultSchema,
      },
    },
    handler: compact,
  });

  service.route({
    method: 'get',
    path: '/stats',
    summary: 'Memtable, levels, Bloom filters (theory vs observed), caches, WAL, amplification, write stall',
    tags: lsmTags,
    responses: { 200: { description: 'The figures', schema: statsSchema } },
    handler: () => ({ status: 200, body: lsm.stats() }),
  });

  service.route({
    method: 'get',
    path: '/sstables',
    summary: 'Every live SSTable per level: key range, entries, size, filter size',
    tags: lsmTags,
    responses: { 200: { description: 'Tables by level', schema: sstablesSchema } },
    handler: () => ({ status: 200, body: lsm.sstables() }),
  });

  service.route({
    method: 'post',
    path: '/snapshots',
    summary: 'Pin a snapshot at the current seq: compaction keeps what `asOf` readers at it need',
    tags: lsmTags,
    responses: { 201: { description: 'The pinned seq', schema: snapshotSchema } },
    handler: () => ({ status: 201, body: { seq: lsm.createSnapshot() } }),
  });

  service.route({
    method: 'delete',
    path: '/snapshots/{seq}',
    summary: 'Release a pinned snapshot',
    tags: lsmTags,
    params: z.object({ seq: seqParamSchema }),
    errors: ['SNAPSHOT_NOT_FOUND'],
    responses: { 200: { description: 'Released', schema: snapshotSchema } },
    handler: ({ params }) => {
      if (!lsm.releaseSnapshot(params.seq)) {
        throw new AppError('SNAPSHOT_NOT_FOUND', `No pinned snapshot at seq ${params.seq}.`);
      }
      return { status: 200, body: { seq: params.seq } };
    },
  });

  service.route({
    method: 'put',
    path: '/settings/bloom',
    summary: 'Bits per key for the filters of new tables (flushes, compactions)',
    description:
      'Existing tables keep their filters until rewritten: POST /compact rewrites them all. ' +
      "Changes the lab's configuration, so it needs the admin token when `LAB_ADMIN_TOKEN` is set.",
    tags: ['bloom'],
    admin: true,
    body: bloomSettingsSchema,
    bodyExample: { bitsPerKey: 4 },
    errors: ['ENGINE_UNSUPPORTED'],
    responses: { 200: { description: 'The setting now in force', schema: bloomSettingsSchema } },
    handler: ({ body }) => ({ status: 200, body: { bitsPerKey: lsm.setBitsPerKey(body.bitsPerKey) } }),
  });

  service.route({
    method: 'post',
    path: '/bloom/probes',
    summary: 'Read many never-written keys and measure the false-positive rate against theory',
    tags: ['bloom'],
    body: probeBodySchema,
    bodyExample: { count: 100000, prefix: 'user:', seed: 1 },
    responses: { 200: { description: 'Measured vs theoretical', schema: probeResultSchema } },
    handler: async ({ body }) => ({
      status: 200,
      body: await lsm.probeAbsentKeys(body.count, body.prefix, body.seed),
    }),
  });

  // The seed's names, so its test steps can be followed as written.
  const seed = ['seed aliases'];
  service.route({
    method: 'post',
    path: '/put',
    summary: 'Seed alias of PUT /kv/{key}',
    tags: seed,
    body: z.strictObject({ key, value }),
    bodyExample: { key: 'user:42', value: 'Ada Lovelace' },
    errors: ['STORAGE_FAILED'],
    responses: { 200: { description: 'Acknowledged with its sequence number', schema: writeResultSchema } },
    handler: async ({ body, requestId }) => ({
      status: 200,
      body: written(await lsm.put(fromText(body.key), fromText(body.value), requestId)),
    }),
  });

  service.route({
    method: 'get',
    path: '/get',
    summary: 'Seed alias of GET /kv/{key}',
    tags: seed,
    query: z.strictObject({ key, asOf: getQuerySchema.shape.asOf, keyEncoding: keyEncodingSchema }),
    errors: ['KEY_NOT_FOUND', 'SNAPSHOT_TOO_OLD', 'AS_OF_UNAVAILABLE'],
    responses: { 200: { description: 'The newest visible version', schema: readResultSchema } },
    handler: ({ query, requestId }) => read(query.key, query.asOf, requestId, query.keyEncoding),
  });
}

/** A key as HTTP shows it: its UTF-8 text, plus `keyBase64` when the bytes are not UTF-8. */
function keyFields(key: ByteString): { key: string; keyBase64?: string } {
  const d = displayOf(key);
  return d.base64 === undefined ? { key: d.text } : { key: d.text, keyBase64: d.base64 };
}

function valueFields(value: ByteString): { value: string; valueBase64?: string } {
  const d = displayOf(value);
  return d.base64 === undefined ? { value: d.text } : { value: d.text, valueBase64: d.base64 };
}

function written(result: { key: ByteString; seq: number }) {
  return { ...keyFields(result.key), seq: result.seq };
}

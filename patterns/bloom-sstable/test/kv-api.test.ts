import { readdirSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startTestApp } from './support/bloom-sstable-lab.ts';

describe('KV API over the LSM store', () => {
  let app: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const redis = await startRedis({ name: 'lsm-kv-api' });
    app = await startTestApp('kv-api', { redis });
    http = request(app.service.server);
  });

  afterAll(async () => {
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  it('when a key is written and read, then the read returns the value with the write seq and where it came from', async () => {
    const put = await http.put('/kv/user:1').send({ value: 'Ada' }).expect(200);
    expect(put.body).toEqual({ key: 'user:1', seq: expect.any(Number) });
    const get = await http.get('/kv/user:1').expect(200);
    expect(get.body).toMatchObject({ key: 'user:1', value: 'Ada', seq: put.body.seq });
    expect(['l1', 'l2', 'memtable']).toContain(get.body.servedFrom);
  });

  it('when a key is deleted, then reads answer 404 problem+json with a trace, and a tombstone seq was returned', async () => {
    await http.put('/kv/user:2').send({ value: 'Grace' }).expect(200);
    const del = await http.delete('/kv/user:2').expect(200);
    expect(del.body).toMatchObject({ key: 'user:2', tombstone: true, seq: expect.any(Number) });
    const get = await http.get('/kv/user:2').expect(404);
    expect(get.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(get.body).toMatchObject({ code: 'KEY_NOT_FOUND', outcome: 'not_applied', key: 'user:2' });
    expect(get.body.trace).toMatchObject({ bloomChecks: expect.any(Number), levels: expect.any(Array) });
  });

  it('when the memtable is flushed, then the key is served from an SSTable listed by /sstables with its filter', async () => {
    await http.put('/kv/flushed:1').send({ value: 'on disk' }).expect(200);
    const flush = await http.post('/flush').expect(200);
    expect(flush.body.fileNumber).toEqual(expect.any(Number));
    const tables = await http.get('/sstables').expect(200);
    const { levels } = tables.body as {
      levels: { level: number; tables: { file: number; filterBytes: number }[] }[];
    };
    const l0 = levels.find((l) => l.level === 0);
    expect(l0?.tables.some((t) => t.file === flush.body.fileNumber && t.filterBytes > 0)).toBe(true);
    // Skip the caches with a snapshot read at the current seq: it must come from the table.
    const stats = await http.get('/stats').expect(200);
    const get = await http.get(`/kv/flushed:1?asOf=${stats.body.lastSeq}`).expect(200);
    expect(get.body).toMatchObject({ value: 'on disk', servedFrom: 'sstable' });
    expect(get.body.trace.sstablesRead).toBe(1);
  });

  it('when keys are scanned with a prefix and a limit, then they come in key order with a nextStart to page on', async () => {
    for (const k of ['scan:c', 'scan:a', 'scan:b', 'scan:d'])
      await http.put(`/kv/${k}`).send({ value: k }).expect(200);
    await http.delete('/kv/scan:b').expect(200);
    const page1 = await http.get('/kv?prefix=scan:&limit=2').expect(200);
    expect((page1.body.items as { key: string }[]).map((i) => i.key)).toEqual(['scan:a', 'scan:c']);
    expect(page1.body.nextStart).toBe('scan:d');
    const page2 = await http.get(`/kv?prefix=scan:&limit=2&start=${page1.body.nextStart}`).expect(200);
    expect(page2.body).toMatchObject({ items: [{ key: 'scan:d', value: 'scan:d' }], nextStart: null });
  });

  it('when an admin token is set, then every admin route (settings, chaos, DELETE /history) answers 401 without it and data routes stay open', async () => {
    const guarded = await startTestApp('admin', { adminToken: 'lab-secret' });
    const admin = request(guarded.service.server);
    try {
      const doc = (await admin.get('/openapi.json').expect(200)).body as {
        paths: Record<string, Record<string, { security?: unknown[] }>>;
      };
      const adminRoutes = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([, op]) => (op.security ?? []).length > 0)
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      expect(adminRoutes).toEqual(
        expect.arrayContaining([
          'PUT /settings/bloom',
          'DELETE /history',
          'POST /chaos/faults/pause-compaction',
          'DELETE /chaos/faults/pause-compaction',
          'POST /chaos/faults/slow-fsync',
        ]),
      );
      const before = guarded.engine.bitsPerKey;
      const refused = await admin.put('/settings/bloom').send({ bitsPerKey: 3 }).expect(401);
      expect(refused.body.code).toBe('ADMIN_TOKEN_REQUIRED');
      expect(guarded.engine.bitsPerKey).toBe(before);
      await admin.post('/chaos/faults/pause-compaction').send({}).expect(401);
      expect(guarded.engine.compactionPaused).toBe(false);
      await admin.delete('/history').expect(401);
      await admin
        .put('/settings/bloom')
        .set('authorization', 'bearer lab-secret')
        .send({ bitsPerKey: 3 })
        .expect(200);
      expect(guarded.engine.bitsPerKey).toBe(3);
      await admin.put('/kv/open:1').send({ value: 'data routes need no token' }).expect(200);
      await admin.post('/compact').expect(200);
    } finally {
      await guarded.service.close();
    }
  });

  it("when the seed's walkthrough reads an absent key, then the answer says why no Bloom filter was consulted", async () => {
    const fresh = await startTestApp('seed-walk');
    const walk = request(fresh.service.server);
    try {
      await walk.post('/put').send({ key: 'walk:1', value: 'a' }).expect(200);
      await walk.post('/put').send({ key: 'walk:2', value: 'b' }).expect(200);
      const inMemtable = await walk.get('/get?key=walk:absent').expect(404);
      expect(inMemtable.body.trace).toMatchObject({ bloomChecks: 0 });
      expect(inMemtable.body.trace.noFilterReason).toMatch(/no SSTable exists yet/);
      await walk.post('/compact').expect(200);
      const outside = await walk.get('/get?key=zzz').expect(404);
      expect(outside.body.trace.noFilterReason).toMatch(/outside every SSTable's key range/);
      const inside = await walk.get('/get?key=walk:1~').expect(404);
      expect(inside.body.trace).toMatchObject({ bloomChecks: 1, noFilterReason: null });
    } finally {
      await fresh.service.close();
    }
  });

  it("when the seed's /put and /get are used, then they behave as PUT and GET /kv/{key}", async () => {
    const put = await http.post('/put').send({ key: 'seed:1', value: 'v' }).expect(200);
    const get = await http.get('/get?key=seed:1').expect(200);
    expect(get.body).toMatchObject({ value: 'v', seq: put.body.seq });
    await http.get('/get?key=seed:absent').expect(404);
  });

  it('when a snapshot is pinned and the key overwritten and compacted, then asOf still reads the old value', async () => {
    await http.put('/kv/snap:1').send({ value: 'old' }).expect(200);
    const snapshot = await http.post('/snapshots').expect(201);
    await http.put('/kv/snap:1').send({ value: 'new' }).expect(200);
    await http.post('/compact').send({}).expect(200);
    expect((await http.get(`/kv/snap:1?asOf=${snapshot.body.seq}`).expect(200)).body.value).toBe('old');
    expect((await http.get('/kv/snap:1').expect(200)).body.value).toBe('new');
    await http.delete(`/snapshots/${snapshot.body.seq}`).expect(200);
    await http.delete(`/snapshots/${snapshot.body.seq}`).expect(404);
  });

  it('when /stats is read, then it has the memtable, levels, bloom theory vs observed, caches, WAL and amplification', async () => {
    const stats = await http.get('/stats').expect(200);
    expect(stats.body).toMatchObject({
      memtable: { entries: expect.any(Number), limitBytes: expect.any(Number) },
      levels: expect.any(Array),
      bloom: { bitsPerKey: 10, hashCount: 7, theoreticalFalsePositiveRate: expect.any(Number) },
      cache: { l1: { hits: expect.any(Number) }, l2: { hits: expect.any(Number), node: 'lsm-cache' } },
      wal: { fsync: 'batch', sizeBytes: expect.any(Number), recovery: { discardedBytes: 0 } },
      amplification: { writeAmplification: expect.any(Number) },
      writeStall: { state: 'none' },
    });
  });

  it('when /check runs over the history of these operations, then it finds no lost write or resurrected delete', async () => {
    const check = await http.get('/check').expect(200);
    expect(check.body).toMatchObject({ valid: true });
    expect(check.body.checkedOperations).toBeGreaterThan(10);
  });

  describe('bad input', () => {
    it.each([
      ['a value that is not a string', 'put', '/kv/bad:1', { value: 42 }],
      ['an unknown field', 'put', '/kv/bad:1', { value: 'x', extra: 1 }],
      ['a value over the size limit', 'put', '/kv/bad:1', { value: 'x'.repeat(16 * 1024 + 1) }],
      ['a key over the size limit', 'put', `/kv/${'k'.repeat(257)}`, { value: 'x' }],
      ['a key with a control character', 'put', '/kv/bad%01key', { value: 'x' }],
      ['a seed /put without a key', 'post', '/put', { value: 'x' }],
      ['bloom settings out of range', 'put', '/settings/bloom', { bitsPerKey: 0 }],
      ['a probe count out of range', 'post', '/bloom/probes', { count: 10_000_000 }],
      ['compact with an unknown option', 'post', '/compact', { level: 3 }],
    ] as const)(
      'when a request has %s, then it is rejected with 400 and nothing is written',
      async (_what, method, url, body) => {
        const before = (await http.get('/stats')).body.lastSeq;
        const res = await http[method](url).send(body).expect(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', outcome: 'not_applied' });
        expect((await http.get('/stats')).body.lastSeq).toBe(before);
      },
    );

    it.each([
      ['/kv/user:1?asOf=-1'],
      ['/kv/user:1?asOf=abc'],
      ['/kv/user:1?asOf='],
      ['/kv/user:1?asOf=1.5'],
      ['/kv?asOf='],
      ['/kv?limit=0'],
      ['/kv?limit=5000'],
      ['/kv?unknown=1'],
      ['/get'],
      ['/history?limit=0'],
    ])('when GET %s has a bad query, then it answers 400', async (url) => {
      const res = await http.get(url).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('when DELETE names a bad key or a snapshot seq that is not a number, then it answers 400 and nothing changes', async () => {
      const before = (await http.get('/stats')).body.lastSeq;
      expect((await http.delete(`/kv/${'k'.repeat(300)}`).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.delete('/snapshots/abc').expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.delete('/snapshots/-1').expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await http.get('/stats')).body.lastSeq).toBe(before);
    });

    it('when DELETE /snapshots/{seq} spells the seq other than in digits, then it answers 400 and the snapshot stays pinned', async () => {
      const { seq } = (await http.post('/snapshots').expect(201)).body as { seq: number };
      for (const spelled of [`%20${seq}`, `0x${seq.toString(16)}`, `${seq}e0`, `${seq}.0`, `+${seq}`]) {
        const res = await http.delete(`/snapshots/${spelled}`).expect(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      expect((await http.get('/stats')).body.snapshots).toContain(seq);
      await http.delete(`/snapshots/${seq}`).expect(200);
    });

    it('when POST /flush, /snapshots or /bloom/probes get malformed JSON, then they answer 400 and the process stays up', async () => {
      for (const url of ['/flush', '/snapshots', '/bloom/probes', '/compact']) {
        const res = await http.post(url).set('content-type', 'application/json').send('{oops').expect(400);
        expect(res.body.code).toBe('MALFORMED_JSON');
      }
      await http.get('/healthz').expect(200);
    });

    it('when the body is malformed JSON or not JSON, then it answers 400 or 415 problem+json', async () => {
      const bad = await http
        .put('/kv/x')
        .set('content-type', 'application/json')
        .send('{"value":')
        .expect(400);
      expect(bad.body.code).toBe('MALFORMED_JSON');
      await http.put('/kv/x').set('content-type', 'text/plain').send('value').expect(415);
    });

    it('when a path tries to climb out of the data directory, then it is only a key: no file is named after it', async () => {
      await http.put('/kv/..%2F..%2Fetc%2Fpasswd').send({ value: 'just data' }).expect(200);
      const get = await http.get('/kv/..%2F..%2Fetc%2Fpasswd').expect(200);
      expect(get.body.value).toBe('just data');
      // Only names the store allocates: the manifest, numbered WALs and tables (and their temporary twins).
      for (const name of readdirSync(app.dir)) expect(name).toMatch(/^(MANIFEST|\d{6,}\.(log|sst))(\.tmp)?$/);
    });

    it('when an unknown snapshot is released or a snapshot older than the horizon is read, then 404 / 410', async () => {
      await http.delete('/snapshots/999999').expect(404);
      await http.put('/kv/horizon:1').send({ value: 'a' }).expect(200);
      await http.put('/kv/horizon:1').send({ value: 'b' }).expect(200);
      await http.post('/compact').expect(200);
      const res = await http.get('/kv/horizon:1?asOf=1').expect(410);
      expect(res.body).toMatchObject({ code: 'SNAPSHOT_TOO_OLD', horizonSeq: expect.any(Number) });
    });
  });

  it('when /openapi.json is read, then every route of the pattern is documented with its error responses', async () => {
    const doc = (await http.get('/openapi.json').expect(200)).body;
    const expected: [string, string, string[]][] = [
      ['/kv/{key}', 'get', ['200', '404', '410', '400']],
      ['/kv/{key}', 'put', ['200', '400', '500']],
      ['/kv/{key}', 'delete', ['200']],
      ['/kv', 'get', ['200', '400']],
      ['/flush', 'post', ['200']],
      ['/compact', 'post', ['200']],
      ['/stats', 'get', ['200']],
      ['/sstables', 'get', ['200']],
      ['/snapshots', 'post', ['201']],
      ['/snapshots/{seq}', 'delete', ['200', '404']],
      ['/settings/bloom', 'put', ['200', '400']],
      ['/bloom/probes', 'post', ['200', '400']],
      ['/put', 'post', ['200', '400']],
      ['/get', 'get', ['200', '404']],
      ['/check', 'get', ['200']],
    ];
    for (const [path, method, statuses] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      for (const status of statuses) expect(Object.keys(op.responses), `${method} ${path}`).toContain(status);
    }
  });
});

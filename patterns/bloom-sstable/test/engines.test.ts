import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespServer } from '../src/resp/resp-server.ts';
import { removeTempDirs, startEngineApp, startTestRespPort } from './support/bloom-sstable-lab.ts';
import { RawRespClient } from './support/raw-resp.ts';

afterAll(() => removeTempDirs());

type EngineApp = Awaited<ReturnType<typeof startEngineApp>>;

/** The KV API's promises, one suite run against each engine (as node-redlock runs one suite per topology). */
describe.each(['lsm', 'leveldb'] as const)('the KV API on the %s engine', (engineName) => {
  let app: EngineApp;
  let http: ReturnType<typeof request>;
  let resp: RespServer;

  beforeAll(async () => {
    app = await startEngineApp(engineName, 'suite');
    http = request(app.service.server);
    resp = await startTestRespPort(app.lsm);
  });

  afterAll(async () => {
    await resp?.close();
    await app?.service.close();
  });

  it('when a key is written, overwritten and deleted, then reads follow with the write seqs', async () => {
    const first = await http.put('/kv/user:1').send({ value: 'Ada' }).expect(200);
    const second = await http.put('/kv/user:1').send({ value: 'Grace' }).expect(200);
    expect(second.body.seq).toBeGreaterThan(first.body.seq);
    expect((await http.get('/kv/user:1').expect(200)).body).toMatchObject({
      value: 'Grace',
      seq: second.body.seq,
    });
    await http.delete('/kv/user:1').expect(200);
    expect((await http.get('/kv/user:1').expect(404)).body.code).toBe('KEY_NOT_FOUND');
    await http.get('/get?key=never:written').expect(404);
  });

  it('when keys are scanned with a prefix and a limit, then pages come in byte order with nextStart', async () => {
    for (const k of ['scan:c', 'scan:a', 'scan:é', 'scan:b'])
      await http.put(`/kv/${encodeURIComponent(k)}`).send({ value: k });
    await http.delete('/kv/scan:b').expect(200);
    const page1 = await http.get('/kv?prefix=scan:&limit=2').expect(200);
    expect((page1.body.items as { key: string }[]).map((i) => i.key)).toEqual(['scan:a', 'scan:c']);
    const page2 = await http
      .get(`/kv?prefix=scan:&limit=2&start=${encodeURIComponent(page1.body.nextStart as string)}`)
      .expect(200);
    expect(page2.body).toMatchObject({ items: [{ key: 'scan:é' }], nextStart: null });
  });

  it('when a snapshot is pinned and the key overwritten and compacted, then asOf at the pin reads the old value', async () => {
    await http.put('/kv/account:7').send({ value: '100' }).expect(200);
    const { seq } = (await http.post('/snapshots').expect(201)).body as { seq: number };
    await http.put('/kv/account:7').send({ value: '250' }).expect(200);
    await http.post('/flush').expect(200);
    await http.post('/compact').expect(200);
    expect((await http.get(`/kv/account:7?asOf=${seq}`).expect(200)).body.value).toBe('100');
    const scan = await http.get(`/kv?prefix=account:&asOf=${seq}`).expect(200);
    expect(scan.body.items).toMatchObject([{ key: 'account:7', value: '100' }]);
    expect((await http.get('/kv/account:7').expect(200)).body.value).toBe('250');
    await http.delete(`/snapshots/${seq}`).expect(200);
  });

  it('when RESP2 clients write bytes that are not UTF-8, then the keys stay apart and the values exact', async () => {
    const client = await RawRespClient.connect(resp.port);
    try {
      const a = Buffer.from([0x62, 0xff]);
      const b = Buffer.from([0x62, 0xfe]);
      await client.call('SET', a, Buffer.from([0xff, 0xfe, 0x00, 0x80]));
      await client.call('SET', b, 'second');
      expect(await client.call('EXISTS', a, b)).toBe(2);
      expect(await client.call('GET', a)).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
      expect(await client.call('KEYS', 'b?')).toEqual([b, a]);
    } finally {
      client.close();
    }
  });

  it('when MSET names several keys, one twice, then all are written with consecutive seqs, the repeated key ending with its last value, and they are there after a reopen', async () => {
    const client = await RawRespClient.connect(resp.port);
    try {
      expect(await client.call('MSET', 'mset:a', '1', 'mset:b', '2', 'mset:a', '3')).toBe('OK');
    } finally {
      client.close();
    }
    const a = (await http.get('/kv/mset:a').expect(200)).body as { value: string; seq: number };
    const b = (await http.get('/kv/mset:b').expect(200)).body as { value: string; seq: number };
    expect({ a: a.value, b: b.value, gap: a.seq - b.seq }).toEqual({ a: '3', b: '2', gap: 1 });
    await resp.close();
    await app.service.close();
    app = await startEngineApp(engineName, 'suite', { dir: app.dir });
    http = request(app.service.server);
    resp = await startTestRespPort(app.lsm);
    expect((await http.get('/kv/mset:a').expect(200)).body).toMatchObject({ value: '3', seq: a.seq });
    expect((await http.get('/kv/mset:b').expect(200)).body).toMatchObject({ value: '2', seq: b.seq });
  });

  it('when one pair of an MSET is refused (a key over the limit), then none of its pairs is written', async () => {
    const client = await RawRespClient.connect(resp.port);
    try {
      const reply = await client.call('MSET', 'mset:ok', '1', 'x'.repeat(300), '2', 'mset:ok2', '3');
      expect(String(reply)).toMatch(/invalid key/);
      expect(await client.call('EXISTS', 'mset:ok', 'mset:ok2')).toBe(0);
    } finally {
      client.close();
    }
  });

  it('when the store is closed and opened again on its data directory, then every acknowledged write is there', async () => {
    await http.put('/kv/durable:1').send({ value: 'kept' }).expect(200);
    const { seq } = (await http.get('/kv/durable:1').expect(200)).body as { seq: number };
    await resp.close();
    await app.service.close();
    app = await startEngineApp(engineName, 'suite', { dir: app.dir });
    http = request(app.service.server);
    resp = await startTestRespPort(app.lsm);
    expect((await http.get('/kv/durable:1').expect(200)).body).toMatchObject({ value: 'kept', seq });
    // New writes continue above every recovered seq.
    expect((await http.put('/kv/durable:2').send({ value: 'x' }).expect(200)).body.seq).toBeGreaterThan(seq);
  });

  it('when /stats, /sstables, /bloom/probes and /check are asked, then each answers; a figure the engine cannot give is null with a reason', async () => {
    const stats = (await http.get('/stats').expect(200)).body as Record<string, unknown>;
    expect(stats.engine).toMatch(engineName === 'lsm' ? /hand-made/ : /leveldb/);
    expect(stats.lastSeq).toEqual(expect.any(Number));
    if (stats.horizonSeq === null)
      expect((stats.unavailable as Record<string, string>).horizonSeq).toEqual(expect.any(String));
    await http.get('/sstables').expect(200);
    const probe = (await http.post('/bloom/probes').send({ count: 200 }).expect(200)).body as Record<
      string,
      unknown
    >;
    if (probe.bloomChecks === null) expect(probe.unavailable).toEqual(expect.any(String));
    const read = (await http.get('/kv/durable:1').expect(200)).body as Record<string, unknown>;
    if (read.trace === null) expect(read.traceUnavailable).toEqual(expect.any(String));
    expect((await http.get('/check').expect(200)).body.valid).toBe(true);
  });
});

describe('what only LevelDB refuses', () => {
  let app: EngineApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await startEngineApp('leveldb', 'refusals');
    http = request(app.service.server);
  });

  afterAll(async () => {
    await app?.service.close();
  });

  it('when asOf names a seq no snapshot pins, then LevelDB answers 501 AS_OF_UNAVAILABLE (it keeps no history addressable by seq)', async () => {
    const first = await http.put('/kv/h:1').send({ value: 'a' }).expect(200);
    await http.put('/kv/h:1').send({ value: 'b' }).expect(200);
    const res = await http.get(`/kv/h:1?asOf=${first.body.seq}`).expect(501);
    expect(res.body).toMatchObject({ code: 'AS_OF_UNAVAILABLE', outcome: 'not_applied' });
  });

  it('when bits per key are set, then LevelDB answers 501 ENGINE_UNSUPPORTED (classic-level fixes them at 10)', async () => {
    const res = await http.put('/settings/bloom').send({ bitsPerKey: 4 }).expect(501);
    expect(res.body.code).toBe('ENGINE_UNSUPPORTED');
  });

  it('when a key is read, then the trace is null with the reason, not invented numbers', async () => {
    await http.put('/kv/t:1').send({ value: 'x' }).expect(200);
    const res = await http.get('/kv/t:1?asOf=999999').expect(200);
    expect(res.body.trace).toBeNull();
    expect(res.body.traceUnavailable).toMatch(/LevelDB does not report/);
  });
});

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startTestApp, waitFor } from './support/bloom-sstable-lab.ts';

describe('L1 / L2 cache', () => {
  let redis: RedisHandle;
  let app: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    redis = await startRedis({ name: 'lsm-l2' });
    app = await startTestApp('l2', { redis });
    http = request(app.service.server);
  });

  afterAll(async () => {
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  it('when a key is written, read (cached), overwritten and read again, then the new value comes back from every cache level', async () => {
    await http.put('/kv/c:1').send({ value: 'first' }).expect(200);
    await http.get('/kv/c:1').expect(200);
    await http.put('/kv/c:1').send({ value: 'second' }).expect(200);
    const l1 = await http.get('/kv/c:1').expect(200);
    expect(l1.body).toMatchObject({ value: 'second', servedFrom: 'l1' });

    // An instance with an empty L1 and the same L2 epoch (as after a restart that kept the epoch) reads through Redis:
    // L2 holds the overwrite, not the value that was cached before it.
    const reader = await startTestApp('l2-reader', { redis, epoch: 'l2' });
    try {
      const r = await request(reader.service.server).get('/kv/c:1').expect(200);
      expect(r.body).toMatchObject({ value: 'second', servedFrom: 'l2' });
    } finally {
      await reader.service.close();
    }
    await http.delete('/kv/c:1').expect(200);
    const afterDelete = await http.get('/kv/c:1').expect(404);
    expect(afterDelete.body.servedFrom).toBe('l1');
    expect(await app.lsm.l2?.get('c:1')).toMatchObject({ isDeleted: true });
  });

  it('when keys and values are bytes that are not UTF-8, then L2 stores those exact bytes and gives them back', async () => {
    const key = Buffer.from([0x6c, 0x32, 0x3a, 0xff]).toString('latin1');
    const value = Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('latin1');
    await app.lsm.put(key, value, 'test');
    const raw = await app.cache?.run((c) =>
      c.hgetallBuffer(
        Buffer.concat([
          Buffer.from('lab:bloom-sstable:cache:'),
          Buffer.from(`${app.lsm.l2?.epoch ?? ''}:`),
          Buffer.from(key, 'latin1'),
        ]),
      ),
    );
    expect(raw?.value).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    expect(await app.lsm.l2?.get(key)).toMatchObject({ value });
    expect(await app.lsm.l2?.get(Buffer.from([0x6c, 0x32, 0x3a, 0xfe]).toString('latin1'))).toBeUndefined();
  });

  it('when a reader refills L2 with an old version after a newer write, then set-if-newer keeps the newer one', async () => {
    const { seq: oldSeq } = await app.lsm.put('race:1', 'old', 'test');
    await app.lsm.put('race:1', 'new', 'test');
    await app.lsm.l2?.fill('race:1', { seq: oldSeq, isDeleted: false, value: 'old' });
    expect(await app.lsm.l2?.get('race:1')).toMatchObject({ value: 'new' });
  });

  it('when Redis is down, then reads and writes keep working, /readyz says degraded, and nothing stale is served after it returns', async () => {
    await http.put('/kv/down:1').send({ value: 'before' }).expect(200);
    await http.get('/kv/down:1').expect(200);
    await redis.kill();
    await http.put('/kv/down:1').send({ value: 'during' }).expect(200);
    const during = await http.get('/kv/down:1').expect(200);
    expect(during.body.value).toBe('during');
    const ready = await http.get('/readyz').expect(200);
    expect(ready.body.status).toBe('degraded');
    const epochDuring = (await http.get('/stats')).body.cache.l2.epoch;
    expect(epochDuring).not.toBe('l2.0');

    await redis.restart();
    await waitFor(async () => (await http.get('/readyz')).body.status === 'ready', 15_000, 'L2 back');
    const after = await http.get('/kv/down:1?asOf=' + (await http.get('/stats')).body.lastSeq).expect(200);
    expect(after.body.value).toBe('during');
    const cached = await http.get('/kv/down:1').expect(200);
    expect(cached.body.value).toBe('during');
  });
});

describe('chaos faults', () => {
  let app: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const redis = await startRedis({ name: 'lsm-chaos' });
    app = await startTestApp('chaos', { redis, engine: { fsync: 'always' } });
    http = request(app.service.server);
  });

  // The first suite's afterAll has already run: this suite cleans up its own Redis and data directory.
  afterAll(async () => {
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  it('when the link to lsm-cache is cut through /chaos, then writes and reads still succeed, /readyz is degraded and the epoch moves on', async () => {
    await http.put('/kv/cut:1').send({ value: 'a' }).expect(200);
    const epochBefore = (await http.get('/stats')).body.cache.l2.epoch;
    await http.put('/chaos/links/lsm-cache').send({ mode: 'cut' }).expect(200);
    await http.put('/kv/cut:1').send({ value: 'b' }).expect(200);
    expect((await http.get('/kv/cut:1').expect(200)).body.value).toBe('b');
    expect((await http.get('/readyz').expect(200)).body.status).toBe('degraded');
    expect((await http.get('/stats')).body.cache.l2.epoch).not.toBe(epochBefore);
    await http.delete('/chaos').expect(200);
    expect((await http.get('/readyz').expect(200)).body.status).toBe('ready');
  });

  it('when slow-fsync is injected under FSYNC=always, then writes still succeed and each waited for an fsync', async () => {
    await http.post('/chaos/faults/slow-fsync').send({ delayMs: 20 }).expect(200);
    const chaos = (await http.get('/chaos').expect(200)).body;
    expect(chaos.faults).toContainEqual(
      expect.objectContaining({ name: 'slow-fsync', state: { delayMs: 20 } }),
    );
    const before = (await http.get('/stats')).body.wal.fsyncs;
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => http.put(`/kv/slow:${i}`).send({ value: 'x' }).expect(200)),
    );
    const after = (await http.get('/stats')).body.wal.fsyncs;
    // Group commit: five concurrent writes share one or a few fsyncs, never zero.
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(5);
    await http.delete('/chaos/faults/slow-fsync').expect(200);
  });
});

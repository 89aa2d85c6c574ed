import { execFile } from 'node:child_process';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startTestApp, startTestRespPort, tempDataDir } from './support/bloom-sstable-lab.ts';
import { startNodeProcess } from './support/node-process.ts';

const exec = promisify(execFile);

/** Each README exercise, step by step, against real Redis and a real data directory. */
describe('README lab exercises', () => {
  let redis: RedisHandle;
  let app: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    redis = await startRedis({ name: 'lsm-exercises' });
    // The lab's defaults for the memtable (256 KiB) so nothing flushes before the learner asks.
    app = await startTestApp('exercises', {
      redis,
      engine: { memtableBytes: 256 * 1024, targetFileBytes: 256 * 1024 },
    });
    http = request(app.service.server);
  });

  afterAll(async () => {
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  it('exercise 1: a write goes to the WAL and the memtable, and a flush turns it into an L0 SSTable', async () => {
    const put = await http.put('/kv/user:1').send({ value: 'Ada' }).expect(200);
    const stats = (await http.get('/stats').expect(200)).body;
    expect(stats.wal.sizeBytes).toBeGreaterThan(0);
    expect(stats.memtable.entries).toBe(1);
    const absent = await http.get('/kv/user:2').expect(404);
    expect(absent.body.trace.noFilterReason).toMatch(/no SSTable exists yet/);
    const flush = await http.post('/flush').expect(200);
    expect(flush.body).toMatchObject({ entries: 1, bytesWritten: expect.any(Number) });
    const tables = (await http.get('/sstables').expect(200)).body.levels[0].tables;
    expect(tables).toEqual([
      expect.objectContaining({
        file: flush.body.fileNumber,
        smallestKey: 'user:1',
        largestKey: 'user:1',
        entries: 1,
      }),
    ]);
    expect((await http.get('/stats')).body.memtable.entries).toBe(0);
    const read = await http.get(`/kv/user:1?asOf=${put.body.seq}`).expect(200);
    expect(read.body).toMatchObject({ servedFrom: 'sstable', trace: { bloomChecks: 1, sstablesRead: 1 } });
  });

  it('exercise 2: absent keys are skipped by the Bloom filters; fewer bits per key, more false positives', async () => {
    for (let from = 0; from < 2000; from += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, j) => app.lsm.put(`user:${from + j}`, `v${from + j}`, 'exercise')),
      );
    }
    await http.post('/compact').expect(200);
    const at10 = (await http.post('/bloom/probes').send({ count: 20_000, prefix: 'user:' }).expect(200)).body;
    expect(at10.observedFalsePositiveRate).toBeLessThanOrEqual(at10.theoreticalFalsePositiveRate * 1.5);
    expect(at10.fractionTouchingNoData).toBeGreaterThanOrEqual(0.98);
    const absent = await http.get('/kv/user:1~absent').expect(404);
    expect(absent.body.trace.bloomNegatives).toBe(1);

    await http.put('/settings/bloom').send({ bitsPerKey: 4 }).expect(200);
    await http.post('/compact').expect(200);
    const at4 = (
      await http.post('/bloom/probes').send({ count: 20_000, prefix: 'user:', seed: 2 }).expect(200)
    ).body;
    expect(at4.theoreticalFalsePositiveRate).toBeCloseTo(0.147, 2);
    expect(at4.observedFalsePositiveRate).toBeGreaterThan(at10.observedFalsePositiveRate * 5);
    expect(at4.observedFalsePositiveRate).toBeLessThanOrEqual(at4.theoreticalFalsePositiveRate * 1.5);
    await http.put('/settings/bloom').send({ bitsPerKey: 10 }).expect(200);
  });

  it('exercise 3: kill -9 the store mid-load, cut the WAL tail, restart: everything acknowledged before the cut is back', async () => {
    const dir = tempDataDir('exercise-3');
    const node = await startNodeProcess({
      DATA_DIR: dir,
      FSYNC: 'always',
      REDIS_NODES: `lsm-cache=${redis.url}`,
    });
    try {
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${node.url}/kv/crash:${i}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value: `v${i}` }),
        });
        expect(res.status).toBe(200);
      }
      await node.kill();
      const wal = readdirSync(dir).find((n) => n.endsWith('.log'));
      if (!wal) throw new Error('no WAL');
      truncateSync(path.join(dir, wal), statSync(path.join(dir, wal)).size - 3);
      await node.restart();
      const stats = (await (await fetch(`${node.url}/stats`)).json()) as {
        wal: { recovery: { records: number; discardedBytes: number } };
      };
      expect(stats.wal.recovery.records).toBe(99);
      expect(stats.wal.recovery.discardedBytes).toBeGreaterThan(0);
      for (let i = 0; i < 99; i++) expect((await fetch(`${node.url}/kv/crash:${i}`)).status).toBe(200);
      expect((await fetch(`${node.url}/kv/crash:99`)).status).toBe(404);
    } finally {
      await node.stop();
    }
  }, 120_000);

  it('exercise 4: overwrite and delete, compact, and watch the space come back; write amplification above 1', async () => {
    // A fresh store, so the space figures are this exercise's alone.
    const own = await startTestApp('exercise-4', {
      redis,
      engine: { memtableBytes: 256 * 1024, targetFileBytes: 256 * 1024 },
    });
    const http = request(own.service.server);
    try {
      // Background compaction paused, so every overwrite stays on disk until the manual compaction.
      await http.post('/chaos/faults/pause-compaction').send({}).expect(200);
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 200; i++)
          await own.lsm.put(`ow:${i}`, `round-${round}-${'x'.repeat(40)}`, 'exercise');
        await http.post('/flush').expect(200);
      }
      for (let i = 0; i < 100; i++) await http.delete(`/kv/ow:${i}`).expect(200);
      await http.post('/flush').expect(200);
      const owBytes = async () => {
        const levels = (await http.get('/sstables').expect(200)).body.levels as {
          tables: { sizeBytes: number }[];
        }[];
        return levels.flatMap((l) => l.tables).reduce((n, t) => n + t.sizeBytes, 0);
      };
      const before = await owBytes();
      const compact = (await http.post('/compact').expect(200)).body;
      expect(compact).toMatchObject({ compacted: true, droppedTombstones: expect.any(Number) });
      expect(compact.droppedVersions).toBeGreaterThanOrEqual(800);
      expect(compact.bytesRead).toBeGreaterThan(compact.bytesWritten);
      expect(await owBytes()).toBeLessThan(before / 2);
      await http.delete('/chaos/faults/pause-compaction').expect(200);
      const amplification = (await http.get('/stats')).body.amplification;
      expect(amplification.writeAmplification).toBeGreaterThan(1);
    } finally {
      await own.service.close();
    }
  });

  it('exercise 5: redis-cli talks to the engine over RESP2', async () => {
    const { startRespServer } = await import('../src/resp/resp-server.ts');
    const resp = await startRespServer(app.lsm, {
      port: 0,
      host: '127.0.0.1',
      limits: { maxKeyBytes: 256, maxValueBytes: 16 * 1024 },
      info: () => '# Server\r\n',
    });
    try {
      const cli = async (...args: string[]) =>
        (
          await exec('/usr/bin/redis-cli', ['-p', String(resp.port), ...args], { timeout: 10_000 })
        ).stdout.trim();
      expect(await cli('PING')).toBe('PONG');
      expect(await cli('SET', 'greeting', 'hello')).toBe('OK');
      expect(await cli('GET', 'greeting')).toBe('hello');
      expect((await http.get('/kv/greeting').expect(200)).body.value).toBe('hello');
      expect(await cli('KEYS', 'greet*')).toBe('greeting');
      expect(await cli('--scan', '--pattern', 'greet*')).toBe('greeting');
      expect(await cli('DEL', 'greeting')).toBe('1');
      await http.get('/kv/greeting').expect(404);
      // The README's printf frame: a key whose last byte is 0xff, shown over HTTP with its exact bytes.
      const piped = await new Promise<string>((resolve, reject) => {
        const child = execFile('/usr/bin/redis-cli', ['-p', String(resp.port), '--pipe'], (error, stdout) => {
          if (error) reject(new Error(error.message));
          else resolve(stdout);
        });
        child.stdin?.end(Buffer.from('*3\r\n$3\r\nSET\r\n$5\r\nbin:\xff\r\n$1\r\n1\r\n', 'latin1'));
      });
      expect(piped).toMatch(/errors: 0, replies: 1/);
      const page = await http.get('/kv?prefix=bin:').expect(200);
      expect(page.body.items).toMatchObject([{ key: 'bin:\ufffd', keyBase64: 'YmluOv8=' }]);
    } finally {
      await resp.close();
    }
    // --bigkeys and --memkeys, on a store as empty as the exercise's `fresh env` leaves it.
    const fresh = await startTestApp('exercise-5-bigkeys');
    const freshResp = await startTestRespPort(fresh.lsm);
    try {
      const cli = async (...args: string[]) =>
        (
          await exec('/usr/bin/redis-cli', ['-p', String(freshResp.port), ...args], { timeout: 10_000 })
        ).stdout.trim();
      expect(await cli('MSET', 'size:s', 'x', 'size:l', 'xxxxxxxx')).toBe('OK');
      expect(await cli('--bigkeys')).toContain(`Biggest string found '"size:l"' has 8 bytes`);
      expect(await cli('--memkeys')).toContain(`Biggest string found '"size:l"' has 29 bytes`);
    } finally {
      await freshResp.close();
      await fresh.service.close();
    }
  });

  it('exercise 6: a pinned snapshot keeps its view through overwrites and compaction; released, it is gone', async () => {
    await http.put('/kv/account:7').send({ value: '100' }).expect(200);
    const snapshot = (await http.post('/snapshots').expect(201)).body.seq;
    await http.put('/kv/account:7').send({ value: '250' }).expect(200);
    expect((await http.get(`/kv/account:7?asOf=${snapshot}`).expect(200)).body.value).toBe('100');
    await http.post('/compact').expect(200);
    expect((await http.get(`/kv/account:7?asOf=${snapshot}`).expect(200)).body.value).toBe('100');
    expect((await http.get('/kv/account:7').expect(200)).body.value).toBe('250');
    await http.delete(`/snapshots/${snapshot}`).expect(200);
    await http.post('/compact').expect(200);
    expect((await http.get(`/kv/account:7?asOf=${snapshot}`).expect(410)).body.code).toBe('SNAPSHOT_TOO_OLD');
  });

  it('exercise 9: in the trace, the Bloom filters that saved a read said no and read no block; the one that said maybe read it', async () => {
    const own = await startTestApp('exercise-9', {
      redis,
      engine: { memtableBytes: 256 * 1024, targetFileBytes: 256 * 1024 },
    });
    const http = request(own.service.server);
    type BloomCheck = {
      to: string;
      detail: { key: string; file: number; bloom: 'no' | 'maybe'; blockRead: boolean; found: boolean };
    };
    // The README's jq: .events[] | select(.kind == "bloom-check" and .detail.key == $key) | {to, detail}
    const bloomChecks = async (key: string): Promise<BloomCheck[]> =>
      ((await http.get('/trace').expect(200)).body.events as (BloomCheck & { kind: string })[])
        .filter((e) => e.kind === 'bloom-check' && e.detail.key === key)
        .map(({ to, detail }) => ({ to, detail }));
    try {
      for (const i of [1, 3, 5])
        await http
          .put(`/kv/user:${i}`)
          .send({ value: `v${i}` })
          .expect(200);
      const older = (await http.post('/flush').expect(200)).body.fileNumber as number;
      for (const i of [2, 4, 6])
        await http
          .put(`/kv/user:${i}`)
          .send({ value: `v${i}` })
          .expect(200);
      const newer = (await http.post('/flush').expect(200)).body.fileNumber as number;

      await http.get('/kv/user:35').expect(404);
      expect(await bloomChecks('user:35')).toEqual([
        { to: 'L0', detail: { key: 'user:35', file: newer, bloom: 'no', blockRead: false, found: false } },
        { to: 'L0', detail: { key: 'user:35', file: older, bloom: 'no', blockRead: false, found: false } },
      ]);

      const seq = (await http.get('/stats').expect(200)).body.lastSeq as number;
      expect((await http.get(`/kv/user:3?asOf=${seq}`).expect(200)).body.value).toBe('v3');
      expect(await bloomChecks('user:3')).toEqual([
        { to: 'L0', detail: { key: 'user:3', file: newer, bloom: 'no', blockRead: false, found: false } },
        { to: 'L0', detail: { key: 'user:3', file: older, bloom: 'maybe', blockRead: true, found: true } },
      ]);
    } finally {
      await own.service.close();
    }
  });

  it('exercise 7: pause compaction, watch L0 grow and writes slow down, heal, and watch it drain', async () => {
    await http.post('/chaos/faults/pause-compaction').send({}).expect(200);
    for (let i = 0; i < 9; i++) {
      await http.put(`/kv/stall:${i}`).send({ value: 'x' }).expect(200);
      await http.post('/flush').expect(200);
    }
    await http.put('/kv/stall:last').send({ value: 'x' }).expect(200);
    const stalled = (await http.get('/stats')).body;
    expect(stalled.levels[0].files).toBeGreaterThanOrEqual(8);
    expect(stalled.writeStall.state).toBe('slowdown');
    const absent = await http.get('/kv/stall:4~').expect(404);
    expect(absent.body.trace.bloomChecks).toBeGreaterThanOrEqual(1);
    await http.delete('/chaos/faults/pause-compaction').expect(200);
    await app.engine.idle();
    // Read before any new write: the stall state must follow the compaction, not wait for the next put.
    const healed = (await http.get('/stats')).body;
    expect(healed.levels[0].files).toBeLessThan(4);
    expect(healed.writeStall.state).toBe('none');
    await http.put('/kv/stall:after').send({ value: 'x' }).expect(200);
    expect((await http.get('/check').expect(200)).body.valid).toBe(true);
  });
});

import { spawn } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespServer } from '../src/resp/resp-server.ts';
import { startRespServer } from '../src/resp/resp-server.ts';
import { LsmEngine } from '../src/engines/lsm/lsm-engine.ts';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { engineOptions, removeTempDirs, startTestApp, tempDataDir } from './support/bloom-sstable-lab.ts';
import { encodeCommand, RawReplyError, RawRespClient } from './support/raw-resp.ts';

const limits = { maxKeyBytes: 256, maxValueBytes: 16 * 1024 };

describe('RESP2 port: bytes, globs, SCAN and mass insert, as Redis does them', () => {
  let app: TestApp;
  let server: RespServer;
  let client: RawRespClient;

  beforeAll(async () => {
    // A memtable big enough that 100k small SETs flush a few times, not hundreds.
    app = await startTestApp('resp-bytes', {
      engine: { memtableBytes: 4 * 1024 * 1024, targetFileBytes: 1024 * 1024 },
    });
    server = await startRespServer(app.lsm, { port: 0, host: '127.0.0.1', limits, info: () => '' });
    client = await RawRespClient.connect(server.port);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await app?.service.close();
    removeTempDirs();
  });

  it('when keys differ only in bytes that are not UTF-8, then they stay two keys and values keep every byte, through WAL, SSTables and Bloom filters', async () => {
    const keyFF = Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xff]);
    const keyFE = Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xfe]);
    const value = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    expect(await client.call('SET', keyFF, 'first')).toBe('OK');
    expect(await client.call('SET', keyFE, 'second')).toBe('OK');
    expect(await client.call('SET', 'bin:value', value)).toBe('OK');
    expect(await client.call('EXISTS', keyFF, keyFE)).toBe(2);
    expect(await client.call('GET', keyFF)).toEqual(Buffer.from('first'));
    expect(await client.call('GET', keyFE)).toEqual(Buffer.from('second'));
    expect(await client.call('GET', 'bin:value')).toEqual(value);

    // HTTP shows them in the documented encoding: lossy text plus the exact bytes in base64.
    const http = request(app.service.server);
    const page = await http.get('/kv?prefix=bin:&limit=10').expect(200);
    // Byte order, as memcmp: 'v' (0x76) < 0xfe < 0xff.
    expect(page.body.items).toEqual([
      {
        key: 'bin:value',
        value: '\ufffd\ufffd\u0000\ufffd',
        valueBase64: value.toString('base64'),
        seq: expect.any(Number),
      },
      { key: 'bin:\ufffd', keyBase64: keyFE.toString('base64'), value: 'second', seq: expect.any(Number) },
      { key: 'bin:\ufffd', keyBase64: keyFF.toString('base64'), value: 'first', seq: expect.any(Number) },
    ]);

    // And HTTP can address those bytes: keyEncoding=base64 takes the exact bytes `keyBase64` showed.
    const b64 = (b: Buffer) => encodeURIComponent(b.toString('base64'));
    const viaBase64 = await http.get(`/kv/${b64(keyFF)}?keyEncoding=base64`).expect(200);
    expect(viaBase64.body).toMatchObject({ value: 'first', keyBase64: keyFF.toString('base64') });
    const fromFE = await http.get(`/kv?start=${b64(keyFE)}&keyEncoding=base64&limit=1`).expect(200);
    expect(fromFE.body).toMatchObject({
      items: [{ keyBase64: keyFE.toString('base64') }],
      nextStartBase64: keyFF.toString('base64'),
    });
    expect((await http.get('/kv/not*base64?keyEncoding=base64').expect(400)).body.code).toBe(
      'VALIDATION_FAILED',
    );

    // Into SSTables (and their Bloom filters), then a fresh engine on the same files.
    await http.post('/compact').expect(200);
    const { lastSeq } = (await http.get('/stats').expect(200)).body as { lastSeq: number };
    const fromTable = app.engine.get(keyFF.toString('latin1'), lastSeq);
    expect(fromTable.servedFrom).toBe('sstable');
    expect(fromTable.entry?.value).toBe('first');
    expect(app.engine.get(keyFE.toString('latin1'), lastSeq).entry?.value).toBe('second');
    expect(Buffer.from(app.engine.get('bin:value', lastSeq).entry?.value ?? '', 'latin1')).toEqual(value);
  });

  it('when binary keys are only in the WAL at a crash, then replay brings back the same bytes', async () => {
    const dir = tempDataDir('bytes-wal');
    const first = await LsmEngine.open(engineOptions(dir, { fsync: 'always' }));
    const key = Buffer.from([0x00, 0xff, 0x80]).toString('latin1');
    await first.put(key, Buffer.from([0xfe, 0x00]).toString('latin1'));
    // No close: the WAL is all there is, as after kill -9.
    const reopened = await LsmEngine.open(engineOptions(dir));
    expect(reopened.recovery.records).toBe(1);
    expect(Buffer.from(reopened.get(key).entry?.value ?? '', 'latin1')).toEqual(Buffer.from([0xfe, 0x00]));
    expect(reopened.get(Buffer.from([0x00, 0xfe, 0x80]).toString('latin1')).entry).toBeUndefined();
    await reopened.close();
  });

  it('when KEYS gets many stars against a long key, then it answers (matching is linear, not a backtracking RegExp)', async () => {
    const longKey = 'a'.repeat(200);
    await client.call('SET', longKey, 'x');
    await client.call('SET', 'glob:hello', '1');
    await client.call('SET', 'glob:hallo', '2');
    // Each extra `*a` multiplies a backtracking matcher's work on this key: 24 of them would not finish.
    const evil = `${'*a'.repeat(24)}*b`;
    expect(await client.call('KEYS', evil)).toEqual([]);
    expect(await client.call('KEYS', 'glob:h[^e]llo')).toEqual([Buffer.from('glob:hallo')]);
    expect(await client.call('KEYS', 'glob:h?llo')).toEqual([
      Buffer.from('glob:hallo'),
      Buffer.from('glob:hello'),
    ]);
  });

  it('when SCAN pages with MATCH and COUNT, then every matching key comes back exactly once and the cursor ends at 0', async () => {
    for (let i = 0; i < 25; i++) await client.call('SET', `scan:${String(i).padStart(2, '0')}`, String(i));
    await client.call('SET', 'scanx', 'not matched');
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const reply = (await client.call('SCAN', cursor, 'MATCH', 'scan:*', 'COUNT', '7')) as [
        Buffer,
        Buffer[],
      ];
      cursor = reply[0].toString();
      seen.push(...reply[1].map((k) => k.toString()));
      calls += 1;
      expect(reply[1].length).toBeLessThanOrEqual(7);
    } while (cursor !== '0' && calls < 20);
    expect(cursor).toBe('0');
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `scan:${String(i).padStart(2, '0')}`));
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(await client.call('SCAN', '999999')).toBeInstanceOf(RawReplyError);
    expect(await client.call('SCAN', 'zero')).toBeInstanceOf(RawReplyError);
  });

  it('when redis-cli --pipe sends 100k SETs (over 3 MiB), then all are acknowledged and read back', async () => {
    const count = 100_000;
    const frames: Buffer[] = [];
    for (let i = 0; i < count; i++) frames.push(encodeCommand(['SET', `mass:${i}`, `value-${i}`]));
    const input = Buffer.concat(frames);
    expect(input.length).toBeGreaterThan(3 * 1024 * 1024);
    const output = await new Promise<string>((resolve, reject) => {
      const cli = spawn('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), '--pipe']);
      let out = '';
      cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
      cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
      cli.on('error', reject);
      cli.on('close', () => resolve(out));
      cli.stdin.end(input);
    });
    expect(output).toMatch(new RegExp(`errors: 0, replies: ${count}`));

    // Read them back in one pipeline too: every value, in order.
    const reader = await RawRespClient.connect(server.port);
    const gets: Buffer[] = [];
    for (let i = 0; i < count; i++) gets.push(encodeCommand(['GET', `mass:${i}`]));
    reader.write(Buffer.concat(gets));
    const values = await reader.read(count);
    reader.close();
    const wrong = values.findIndex((v, i) => !(v instanceof Buffer) || v.toString() !== `value-${i}`);
    expect(wrong).toBe(-1);
  });

  it('when SETs to one key are pipelined, then the last one sent wins', async () => {
    const frames = Array.from({ length: 500 }, (_, i) => encodeCommand(['SET', 'order:k', String(i)]));
    client.write(Buffer.concat([...frames, encodeCommand(['GET', 'order:k'])]));
    const replies = await client.read(501);
    expect(replies.at(-1)).toEqual(Buffer.from('499'));
  });
});

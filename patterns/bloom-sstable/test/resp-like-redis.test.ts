import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RespServer } from '../src/resp/resp-server.ts';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startTestApp, startTestRespPort } from './support/bloom-sstable-lab.ts';
import type { RawReply } from './support/raw-resp.ts';
import { encodeCommand, RawRespClient } from './support/raw-resp.ts';

/**
 * The same bytes sent to this port and to a real redis-server 7.0 (one database, as this store has):
 * for the commands the port speaks, the replies must be the same, byte for byte once parsed.
 */
describe('RESP2 port: the replies a real redis-server gives', () => {
  let app: TestApp;
  let server: RespServer;
  let redis: RedisHandle;

  beforeAll(async () => {
    redis = await startRedis({ name: 'lsm-resp-reference', extraArgs: ['--databases', '1'] });
    app = await startTestApp('resp-like-redis');
    server = await startTestRespPort(
      app.lsm,
      '# Server\r\nredis_version:7.0.0-lsm-lab\r\n# Clients\r\nconnected_clients:1\r\n',
    );
  });

  afterAll(async () => {
    await server?.close();
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  /** Sends `bytes` on a fresh connection to each server and reads `count` replies from each. */
  const both = async (bytes: Buffer, count: number): Promise<{ store: RawReply[]; redis: RawReply[] }> => {
    const ask = async (port: number): Promise<RawReply[]> => {
      const client = await RawRespClient.connect(port);
      try {
        client.write(bytes);
        return await client.read(count);
      } finally {
        client.close();
      }
    };
    return { store: await ask(server.port), redis: await ask(redis.port) };
  };
  const commands = (...list: (string | Buffer)[][]): Buffer => Buffer.concat(list.map(encodeCommand));
  /** Replies compared as text: an error's class is not what differs, its message is. */
  const shown = (replies: RawReply[]): unknown =>
    JSON.parse(
      JSON.stringify(replies, (_key, value: unknown) =>
        value instanceof Error ? `-${value.message}` : value,
      ),
    );

  it.each([
    ['PING with and without a message, and with too many', [['PING'], ['PING', 'hi'], ['PING', 'a', 'b']]],
    ['ECHO, and ECHO without its argument', [['ECHO', 'x'], ['ECHO']]],
    [
      'SET then GET, GET of a missing key, wrong arities',
      [['SET', 'k1', 'v1'], ['GET', 'k1'], ['GET', 'nokey'], ['GET'], ['GET', 'a', 'b'], ['SET', 'k1']],
    ],
    [
      'MGET, EXISTS counting repeats, DEL counting what it removed',
      [
        ['SET', 'm1', 'a'],
        ['MGET', 'm1', 'nokey', 'm1'],
        ['MGET'],
        ['EXISTS', 'm1', 'm1', 'nokey'],
        ['EXISTS'],
        ['DEL', 'm1', 'm1', 'nokey'],
        ['DEL'],
        ['EXISTS', 'm1'],
      ],
    ],
    [
      'SELECT: database 0, a number out of range, not a number',
      [['SELECT', '0'], ['SELECT', '1'], ['SELECT', '-1'], ['SELECT', 'abc'], ['SELECT', '00'], ['SELECT']],
    ],
    [
      'SCAN and KEYS with bad arguments, DBSIZE with one',
      [
        ['SCAN'],
        ['SCAN', 'abc'],
        ['SCAN', '0', 'COUNT', 'abc'],
        ['SCAN', '0', 'COUNT', '0'],
        ['SCAN', '0', 'MATCH'],
        ['SCAN', '0', 'FOO', 'bar'],
        ['KEYS'],
        ['DBSIZE', 'x'],
      ],
    ],
    [
      'an unknown command: its name and its first 128 bytes of arguments, quoted',
      [['NOSUCH'], ['FOO', 'a', 'b', 'c', 'd', 'e'], ['foo', 'x'.repeat(200)], ['FOO\r\nBAR', 'x\r\ny']],
    ],
    [
      'COMMAND subcommands: unknown, wrong arity, unknown command names',
      [
        ['COMMAND', 'FOO'],
        ['COMMAND', 'COUNT', 'x'],
        ['COMMAND', 'LIST', 'x'],
        ['COMMAND', 'DOCS', 'nosuch'],
        ['COMMAND', 'INFO', 'nosuch'],
      ],
    ],
    ['INFO of a section no server has', [['INFO', 'nosuchsection']]],
    [
      'MSET (a key named twice keeps its last value), then TYPE and STRLEN of what it set and of a missing key',
      [
        ['MSET', 'ms:1', 'a', 'ms:2', 'bcd', 'ms:1', 'xy'],
        ['MGET', 'ms:1', 'ms:2'],
        ['TYPE', 'ms:1'],
        ['TYPE', 'nokey'],
        ['STRLEN', 'ms:2'],
        ['STRLEN', 'nokey'],
      ],
    ],
    [
      'MSET, TYPE and STRLEN with wrong arities (a key without its value included)',
      [
        ['MSET'],
        ['MSET', 'a'],
        ['MSET', 'a', '1', 'b'],
        ['TYPE'],
        ['TYPE', 'a', 'b'],
        ['STRLEN'],
        ['STRLEN', 'a', 'b'],
      ],
    ],
    [
      'MEMORY: missing and unknown subcommands, wrong arities, SAMPLES parsed before the key, a missing key',
      [
        ['MEMORY'],
        ['MEMORY', 'FOO'],
        ['MEMORY', 'HELP', 'x'],
        ['MEMORY', 'USAGE'],
        ['MEMORY', 'usage', 'nokey'],
        ['MEMORY', 'USAGE', 'nokey', 'samples', '0'],
        ['MEMORY', 'USAGE', 'nokey', 'SAMPLES'],
        ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', 'x'],
        ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '-1'],
        ['MEMORY', 'USAGE', 'nokey', 'FOO', '1'],
        ['MEMORY', 'USAGE', 'ms:1', 'SAMPLES', '5', 'SAMPLES'],
      ],
    ],
  ])('%s', async (_what, list) => {
    const replies = await both(commands(...list), list.length);
    expect(shown(replies.store)).toEqual(shown(replies.redis));
  });

  it('when COMMAND INFO describes GET, SET, MGET, MSET, TYPE, STRLEN, MEMORY and SCAN, then name, arity, flags, key positions and ACL categories are Redis 7.0s', async () => {
    const list = [['COMMAND', 'INFO', 'get', 'set', 'mget', 'mset', 'type', 'strlen', 'memory', 'scan']];
    const replies = await both(commands(...list), 1);
    // Tips and key specifications (fields 8 and 9) are not described by this port.
    const head = (reply: RawReply | undefined): unknown =>
      shown((reply as RawReply[][]).map((entry) => entry.slice(0, 7)));
    expect(head(replies.store[0])).toEqual(head(replies.redis[0]));
  });

  it('when keys and values hold bytes that are not UTF-8, then both answer with the same bytes', async () => {
    const key = Buffer.from([0x62, 0x3a, 0xff, 0x00, 0x0d, 0x0a]);
    const value = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const list = [
      ['SET', key, value],
      ['GET', key],
      ['MGET', key, Buffer.from([0xfe])],
      ['EXISTS', key],
    ];
    const replies = await both(commands(...list), list.length);
    expect(replies.store).toEqual(replies.redis);
  });

  it('when commands come inline (telnet, or text piped into redis-cli --pipe), then quotes and escapes are read as Redis reads them', async () => {
    const lines = [
      'SET inline:1 "hello world"',
      'GET inline:1',
      "SET inline:2 'it\\'s'",
      'GET inline:2',
      'SET inline:3 "a\\x41\\n"',
      'GET inline:3',
      'SET\tinline:4   x',
      'GET inline:4',
      '',
      'PING',
    ];
    const replies = await both(Buffer.from(lines.map((l) => `${l}\r\n`).join('')), 9);
    expect(shown(replies.store)).toEqual(shown(replies.redis));
    expect(replies.store[1]).toEqual(Buffer.from('hello world'));
  });

  it('when an inline line leaves a quote open, then both answer the same protocol error and close the connection', async () => {
    const store = await RawRespClient.connect(server.port);
    const reference = await RawRespClient.connect(redis.port);
    for (const client of [store, reference]) client.write(Buffer.from('SET k "unbalanced\r\nPING\r\n'));
    const [storeReply] = await store.read(1);
    const [redisReply] = await reference.read(1);
    expect(shown([storeReply ?? null])).toEqual(shown([redisReply ?? null]));
    await expect(store.read(1)).rejects.toThrow(/connection closed/);
    await expect(reference.read(1)).rejects.toThrow(/connection closed/);
  });

  it('when an empty or null multibulk (*0, *-1) comes before a command, then both skip it and answer the command', async () => {
    const replies = await both(Buffer.concat([Buffer.from('*0\r\n*-1\r\n'), encodeCommand(['PING'])]), 1);
    expect(replies.store).toEqual(['PONG']);
    expect(replies.redis).toEqual(['PONG']);
  });
});

/**
 * SCAN's cursor as Redis 7.0 parses it (strtoul: a sign, leading zeros and "" are fine, -1 wraps to
 * 2^64 - 1, spaces and overflow are not), on an empty store and an empty Redis, where any cursor Redis
 * accepts answers "0" and no keys. Small cursors such as 1 or 007 are left out: this port reads a number
 * below those it hands out as an expired cursor (scan-cursors.ts), where Redis would resume at that bucket.
 */
describe('RESP2 port: SCAN cursors read as a real redis-server 7.0 reads them', () => {
  let app: TestApp;
  let server: RespServer;
  let redis: RedisHandle;

  beforeAll(async () => {
    redis = await startRedis({ name: 'lsm-resp-scan-reference', extraArgs: ['--databases', '1'] });
    app = await startTestApp('resp-like-redis-scan');
    server = await startTestRespPort(app.lsm);
  });

  afterAll(async () => {
    await server?.close();
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  it('when the cursor is -1, "", zero-padded, signed, spaced, past 2^64 or not decimal, then both answer the same', async () => {
    const cursors = [
      '-1',
      '',
      '000',
      '+0',
      '-0',
      '18446744073709551615',
      ' 1',
      '1 ',
      '+',
      '-',
      '0x1',
      '1.5',
      '18446744073709551616',
      '-18446744073709551616',
    ];
    const list = [
      ...cursors.map((c) => ['SCAN', c]),
      ['SCAN', '-1', 'COUNT', '0'],
      ['SCAN', 'x', 'COUNT', '0'],
    ];
    const bytes = Buffer.concat(list.map(encodeCommand));
    const ask = async (port: number): Promise<unknown> => {
      const client = await RawRespClient.connect(port);
      try {
        client.write(bytes);
        const replies = await client.read(list.length);
        return replies.map((r) =>
          r instanceof Error ? `-${r.message}` : (JSON.parse(JSON.stringify(r)) as unknown),
        );
      } finally {
        client.close();
      }
    };
    const store = await ask(server.port);
    expect(store).toEqual(await ask(redis.port));
    // The comparison means something only if both accepted -1 as a cursor.
    expect((store as unknown[])[0]).toEqual([expect.anything(), []]);
  });
});

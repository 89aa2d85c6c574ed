import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand } from '@kvs-lab/shared/testing';
import type { RespServer } from '../src/resp/resp-server.ts';
import { startRespServer } from '../src/resp/resp-server.ts';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startTestApp, startTestRespPort } from './support/bloom-sstable-lab.ts';

const exec = promisify(execFile);

describe('RESP2 port', () => {
  let app: TestApp;
  let server: RespServer;
  const cli = async (...args: string[]) =>
    (
      await exec('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), ...args], {
        timeout: 10_000,
      })
    ).stdout.trim();

  beforeAll(async () => {
    app = await startTestApp('resp');
    server = await startTestRespPort(app.lsm, '# Server\r\nredis_version:7.0.0-lsm-lab\r\n');
  });

  afterAll(async () => {
    await server?.close();
    await app?.service.close();
    removeTempDirs();
  });

  it('when the real redis-cli sends PING, SET, GET, EXISTS and DEL, then the store answers like Redis', async () => {
    expect(await cli('PING')).toBe('PONG');
    expect(await cli('SET', 'cli:1', 'hello world')).toBe('OK');
    expect(await cli('GET', 'cli:1')).toBe('hello world');
    expect(await cli('EXISTS', 'cli:1', 'cli:none')).toBe('1');
    expect(await cli('DEL', 'cli:1')).toBe('1');
    expect(await cli('GET', 'cli:1')).toBe('');
    expect(await cli('DEL', 'cli:1')).toBe('0');
  });

  it('when a value is written over RESP, then HTTP reads it, and the other way round', async () => {
    await cli('SET', 'both:1', 'from-resp');
    expect(app.engine.get('both:1').entry?.value).toBe('from-resp');
    await app.lsm.put('both:2', 'from-http', 'test');
    expect(await cli('GET', 'both:2')).toBe('from-http');
  });

  it('when DBSIZE, KEYS, ECHO, INFO and COMMAND are sent, then each answers in RESP2', async () => {
    await sendRedisCommand(server.port, ['SET', 'keys:a', '1']);
    await sendRedisCommand(server.port, ['SET', 'keys:b', '2']);
    await sendRedisCommand(server.port, ['SET', 'other', '3']);
    expect(await sendRedisCommand(server.port, ['KEYS', 'keys:*'])).toEqual(['keys:a', 'keys:b']);
    expect(await sendRedisCommand(server.port, ['DBSIZE'])).toBe(
      ((await sendRedisCommand(server.port, ['KEYS', '*'])) as unknown[]).length,
    );
    expect(await sendRedisCommand(server.port, ['ECHO', 'héllo'])).toBe('héllo');
    expect(await sendRedisCommand(server.port, ['INFO'])).toMatch(/redis_version/);
    // redis-cli draws its hints from COMMAND DOCS: a name, then its docs, for every command spoken here.
    const docs = (await sendRedisCommand(server.port, ['COMMAND', 'DOCS'])) as unknown[];
    const names = docs.filter((_, i) => i % 2 === 0);
    expect(names).toEqual(expect.arrayContaining(['get', 'set', 'mget', 'del', 'scan']));
    expect(await sendRedisCommand(server.port, ['COMMAND', 'COUNT'])).toBe(names.length);
  });

  it('when the real redis-cli --bigkeys and --memkeys scan the store, then they succeed and name the biggest key', async () => {
    // 30 keys: redis-cli asks SCAN for 10 at a time, so its cursors come back to the port through strtoull.
    const pairs = Array.from({ length: 30 }, (_, i) => [`big:${i}`, 'v'.repeat(i + 1)]);
    pairs.push(['big:largest', 'x'.repeat(5_000)]);
    expect(await cli('MSET', ...pairs.flat())).toBe('OK');
    const bigkeys = await cli('--bigkeys');
    expect(bigkeys).toContain(`Biggest string found '"big:largest"' has 5000 bytes`);
    expect(bigkeys).toMatch(/Sampled \d+ keys in the keyspace!/);
    expect(bigkeys).not.toMatch(/error|Warning/i);
    // MEMORY USAGE here: the key's entry as the store accounts it (key, value, 15-byte header).
    const memkeys = await cli('--memkeys');
    expect(memkeys).toContain(
      `Biggest string found '"big:largest"' has ${'big:largest'.length + 5000 + 15} bytes`,
    );
    expect(memkeys).not.toMatch(/error|Warning/i);
  });

  it('when an unknown command or a wrong arity is sent, then the reply is a RESP error and the connection stays usable', async () => {
    await expect(sendRedisCommand(server.port, ['FLUSHALL'])).rejects.toThrow(/unknown command 'FLUSHALL'/);
    await expect(sendRedisCommand(server.port, ['GET'])).rejects.toThrow(/wrong number of arguments/);
    await expect(sendRedisCommand(server.port, ['SET', 'k', 'v', 'EX', '10'])).rejects.toThrow(
      /syntax error/,
    );
    expect(await cli('GET', 'x'.repeat(300))).toMatch(/invalid key/);
  });

  it('when a malformed frame arrives, then that connection gets an error and is closed, and the server keeps serving others', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = net.connect(server.port, '127.0.0.1', () =>
        socket.write('*2\r\n$3\r\nGET\r\n:oops\r\n'),
      );
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^-ERR Protocol error/);
    expect(await sendRedisCommand(server.port, ['PING'])).toBe('PONG');
  });

  it('when a client streams a command larger than 2 MiB, then it is cut off with an error and the server keeps serving', async () => {
    const reply = await new Promise<string>((resolve) => {
      let data = '';
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write('*8\r\n');
        const bulk = `$500000\r\n${'x'.repeat(500_000)}\r\n`;
        for (let i = 0; i < 5; i++) socket.write(bulk);
      });
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(reply).toMatch(/command larger than 2 MiB/);
    expect(await sendRedisCommand(server.port, ['PING'])).toBe('PONG');
  });

  it('when no host is configured, then the RESP port listens on loopback only', async () => {
    const local = await startRespServer(app.lsm, {
      port: 0,
      limits: { maxKeyBytes: 256, maxValueBytes: 16 * 1024 },
      info: () => '',
    });
    try {
      expect(local.host).toBe('127.0.0.1');
    } finally {
      await local.close();
    }
  });

  it('when QUIT is sent, then the server answers OK and closes the connection', async () => {
    const closed = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('*1\r\n$4\r\nQUIT\r\n'));
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(closed).toBe('+OK\r\n');
  });
});

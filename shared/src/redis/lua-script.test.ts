import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../testing/index.ts';
import { LuaScript } from './lua-script.ts';

const body = "return redis.call('INCRBY', KEYS[1], ARGV[1])\n";

describe('LuaScript', () => {
  let dir = '';
  let client: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kvs-lua-'));
    writeFileSync(path.join(dir, 'incr-by.lua'), body);
    const redis = await startRedis({ name: 'lua-script' });
    client = new Redis({ host: redis.host, port: redis.port });
  });

  afterAll(async () => {
    client.disconnect();
    await stopAllRedis();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the node has never seen the script, then it runs (loaded on NOSCRIPT) and is cached by SHA', async () => {
    const script = new LuaScript(pathToFileURL(path.join(dir, 'incr-by.lua')));
    expect(script.name).toBe('incr-by');
    expect(await script.run(client, ['counter'], [2])).toBe(2);
    const sha = createHash('sha1').update(body).digest('hex');
    const [cached] = (await client.script('EXISTS', sha)) as number[];
    expect(cached).toBe(1);
  });

  it('when the script cache is flushed (as by a restart), then the next run loads it again', async () => {
    const script = new LuaScript(path.join(dir, 'incr-by.lua'));
    await script.run(client, ['counter-2'], [1]);
    await client.script('FLUSH');
    expect(await script.run(client, ['counter-2'], [1])).toBe(2);
  });

  it('when given several files, then they run as one script in order (shared functions first), named after the last', async () => {
    writeFileSync(path.join(dir, 'twice.lua'), 'local function twice(n) return 2 * tonumber(n) end\n');
    writeFileSync(path.join(dir, 'set-twice.lua'), "return redis.call('INCRBY', KEYS[1], twice(ARGV[1]))\n");
    const script = new LuaScript([path.join(dir, 'twice.lua'), path.join(dir, 'set-twice.lua')]);
    expect(script.name).toBe('set-twice');
    expect(await script.run(client, [Buffer.from([0xff, 0x01])], [3])).toBe(6);
    expect(await client.get(Buffer.from([0xff, 0x01]))).toBe('6');
  });
});

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const luaDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lua');

/** A Lua script from `store/lua/`, sent by SHA and loaded again when Redis restarted without it. */
export class LuaScript {
  readonly name: string;
  private readonly source: string;
  private readonly sha: string;

  constructor(fileName: string) {
    this.name = fileName;
    this.source = readFileSync(path.join(luaDir, fileName), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

export const scripts = {
  send: new LuaScript('send.lua'),
  deliver: new LuaScript('deliver.lua'),
} as const;

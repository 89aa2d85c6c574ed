import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const luaDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lua');

/** A Lua script from `lua/`, sent by SHA and loaded on the first NOSCRIPT (after a restart, too). */
export class LuaScript {
  private readonly source: string;
  private readonly sha: string;

  constructor(fileName: string) {
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

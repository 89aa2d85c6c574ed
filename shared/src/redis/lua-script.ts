import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * One Lua script file, sent by its SHA (EVALSHA) so the body crosses the wire once per node. A node that
 * answers NOSCRIPT (a restart empties its script cache) gets the body with EVAL, which also caches it again.
 */
export class LuaScript {
  /** The file name without `.lua`, for logs and errors. */
  readonly name: string;
  private readonly source: string;
  private readonly sha: string;

  /** `file`: a path or a `file:` URL, e.g. `new URL('./lua/acquire.lua', import.meta.url)`. */
  constructor(file: string | URL) {
    const filePath = file instanceof URL ? fileURLToPath(file) : file;
    this.name = path.basename(filePath, '.lua');
    this.source = readFileSync(filePath, 'utf8');
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

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * Turns a script's raw reply into what the caller works with, so call sites never cast `unknown`.
 * Throws (a plain Error naming the script) on a reply the script cannot have sent.
 */
export type LuaReplyDecoder<Result> = (reply: unknown) => Result;

/**
 * One Lua script file, sent by its SHA (EVALSHA) so the body crosses the wire once per node. A node that
 * answers NOSCRIPT (a restart empties its script cache) gets the body with EVAL, which also caches it again.
 * `Result` is what `decode` makes of the reply; without a decoder it stays `unknown`.
 */
export class LuaScript<Result = unknown> {
  /** The file name without `.lua`, for logs and errors. */
  readonly name: string;
  private readonly source: string;
  private readonly sha: string;

  /**
   * `file`: a path or a `file:` URL, e.g. `new URL('./lua/acquire.lua', import.meta.url)`; or several,
   * joined in order into one script (shared Lua functions first), named after the last.
   */
  private readonly decode: LuaReplyDecoder<Result>;

  constructor(file: string | URL | readonly (string | URL)[], decode?: LuaReplyDecoder<Result>) {
    const files = (Array.isArray(file) ? file : [file]) as readonly (string | URL)[];
    const paths = files.map((f) => (f instanceof URL ? fileURLToPath(f) : f));
    const last = paths.at(-1);
    if (last === undefined) throw new Error('LuaScript needs at least one file');
    this.name = path.basename(last, '.lua');
    this.source = paths.map((p) => readFileSync(p, 'utf8')).join('\n');
    this.sha = createHash('sha1').update(this.source).digest('hex');
    this.decode = decode ?? ((reply) => reply as Result);
  }

  async run(
    client: Redis,
    // Buffers for binary-safe keys and values (bloom-sstable's byte strings).
    keys: readonly (string | Buffer)[],
    args: readonly (string | number | Buffer)[],
  ): Promise<Result> {
    return this.decode(await this.send(client, keys, args));
  }

  private async send(
    client: Redis,
    keys: readonly (string | Buffer)[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

import type { RedisNode } from '@kvs-lab/shared/redis';
import type { ResourceLog } from '../check/lock-check.ts';
import { keys } from './keys.ts';
import { LuaScript } from '@kvs-lab/shared/redis';
import { integerAt, replyArray, replyCode } from './script-replies.ts';

const fencedWrite = new LuaScript(new URL('./lua/fenced-write.lua', import.meta.url), (reply) => {
  const r = replyArray('fenced-write', reply);
  return {
    accepted: replyCode('fenced-write', r[0]) === 'accepted',
    highestToken: integerAt('fenced-write', r, 1),
  };
});
const logCap = 1_000;

export interface WriteEntry {
  readonly writeId: string;
  readonly fencingToken: number;
  readonly data: string;
  readonly writer: string;
  readonly atMs: number;
  readonly checked: boolean;
}

export interface ResourceState {
  readonly name: string;
  readonly value: string | null;
  readonly highestToken: number | null;
  readonly acceptedCount: number;
  readonly rejectedCount: number;
  /** Newest first. */
  readonly accepted: readonly WriteEntry[];
  readonly rejected: readonly WriteEntry[];
}

function parseEntry(raw: string): WriteEntry {
  const e = JSON.parse(raw) as Partial<WriteEntry>;
  return {
    writeId: String(e.writeId ?? ''),
    fencingToken: Number(e.fencingToken ?? 0),
    data: String(e.data ?? ''),
    writer: String(e.writer ?? ''),
    atMs: Number(e.atMs ?? 0),
    checked: e.checked === true,
  };
}

/**
 * The protected resource: a value on its own Redis node that checks fencing
 * tokens itself. The lock service cannot protect it alone; only the storage
 * can refuse a write from a holder whose lease already ended.
 */
export class ResourceStore {
  readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  async write(input: {
    name: string;
    fencingToken: number;
    data: string;
    writeId: string;
    writer: string;
    isCheckOn: boolean;
  }): Promise<{ accepted: boolean; highestToken: number }> {
    return this.node.run((c) =>
      fencedWrite.run(
        c,
        [
          keys.resource(input.name),
          keys.resourceAccepted(input.name),
          keys.resourceRejected(input.name),
          keys.resourceIndex,
        ],
        [
          input.fencingToken,
          input.data,
          input.isCheckOn ? '1' : '0',
          input.writeId,
          input.writer,
          input.name,
          logCap,
        ],
      ),
    );
  }

  async read(name: string, limit: number): Promise<ResourceState> {
    const [hash, accepted, rejected] = await this.node.run((c) =>
      Promise.all([
        c.hgetall(keys.resource(name)),
        c.lrange(keys.resourceAccepted(name), 0, limit - 1),
        c.lrange(keys.resourceRejected(name), 0, limit - 1),
      ]),
    );
    return {
      name,
      value: hash.value ?? null,
      highestToken: hash.highestToken === undefined ? null : Number(hash.highestToken),
      acceptedCount: Number(hash.acceptedCount ?? 0),
      rejectedCount: Number(hash.rejectedCount ?? 0),
      accepted: accepted.map(parseEntry),
      rejected: rejected.map(parseEntry),
    };
  }

  /** The named resources' retained accepted writes, oldest first, for /check (unknown names: empty logs). */
  async logs(names: readonly string[]): Promise<ResourceLog[]> {
    return Promise.all(
      names.map(async (name) => {
        const [raw, count] = await this.node.run((c) =>
          Promise.all([
            c.lrange(keys.resourceAccepted(name), 0, -1),
            c.hget(keys.resource(name), 'acceptedCount'),
          ]),
        );
        const accepted = raw.map(parseEntry).reverse();
        return {
          name,
          accepted: accepted.map((w) => ({ writeId: w.writeId, fencingToken: w.fencingToken, atMs: w.atMs })),
          trimmed: Math.max(0, Number(count ?? 0) - accepted.length),
        };
      }),
    );
  }
}

import { readFileSync } from 'node:fs';
import { LuaScript, arrayReply, integerReply } from '@kvs-lab/shared/redis';
import type { LuaReplyDecoder } from '@kvs-lab/shared/redis';

/**
 * A script with its body at hand: on Redis Cluster a script sent after ASKING to a node that never ran it
 * must be loaded first (LuaScript's EVAL fallback would go without ASKING and be redirected back).
 */
export interface ItemScript<Result> {
  readonly lua: LuaScript<Result>;
  readonly source: string;
}

/** A script of one or more files joined in order (shared Lua functions first), named after the last. */
function itemScript<Result>(names: readonly string[], decode: LuaReplyDecoder<Result>): ItemScript<Result> {
  const files = names.map((name) => new URL(`./lua/${name}.lua`, import.meta.url));
  return {
    lua: new LuaScript(files, decode),
    source: files.map((file) => readFileSync(file, 'utf8')).join('\n'),
  };
}

const text = (script: string) => (value: unknown) => {
  if (typeof value !== 'string') throw new Error(`${script}.lua answered ${JSON.stringify(value)}, not text`);
  return value;
};
const flatPage = arrayReply('query-items', text('query-items'));

/** query-items.lua: one page, atomically, as (sort key, value) pairs in the order asked. */
export const queryItemsScript = itemScript(['query-items'], (reply) => {
  const flat = flatPage(reply);
  const items: { sk: string; value: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) items.push({ sk: flat[i] ?? '', value: flat[i + 1] ?? '' });
  return items;
});

/**
 * put-item.lua: 1 when the item is new, 0 when it replaced a value; a WRONGTYPE error, with nothing
 * written, when a partition key holds another type.
 */
export const putItemScript = itemScript(['item-types', 'put-item'], integerReply('put-item'));

/** delete-item.lua: 1 when the item was there, 0 when it was absent; WRONGTYPE as put-item. */
export const deleteItemScript = itemScript(['item-types', 'delete-item'], integerReply('delete-item'));

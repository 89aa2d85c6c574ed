import { arrayReply, integerReply, LuaScript, replyCodes } from '@kvs-lab/shared/redis';
import type { LuaReplyDecoder } from '@kvs-lab/shared/redis';

/**
 * The replicas' Lua scripts, each with the decoder of its reply beside it, so no call site casts what a
 * script answered. A script made of several files is joined in order: the write scripts share
 * merkle-update.lua's and put-version-rule.lua's functions.
 */
const file = (name: string): URL => new URL(`./lua/${name}.lua`, import.meta.url);

/** What drop-tombstone.lua answers: the pattern's one script that answers with codes. */
export const dropTombstoneCodes = { 1: 'dropped', 0: 'holds-something-else' } as const;

/** A flat array of strings read as (first, second) pairs: (version id, JSON) or (key, digest). */
function stringPairs(script: string, reply: unknown): [string, string][] {
  if (!Array.isArray(reply) || reply.length % 2 !== 0)
    throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, not a flat array of pairs`);
  const pairs: [string, string][] = [];
  for (let i = 0; i < reply.length; i += 2) {
    const first: unknown = reply[i];
    const second: unknown = reply[i + 1];
    if (typeof first !== 'string' || typeof second !== 'string')
      throw new Error(
        `${script}.lua answered a pair that is not two strings: ${JSON.stringify([first, second])}`,
      );
    pairs.push([first, second]);
  }
  return pairs;
}

/** What merkle-nodes.lua answers: the values asked, or how many pending leaves still wait for a flush. */
export type TreeRead =
  | { readonly isFlushed: true; readonly values: (string | null)[] }
  | { readonly isFlushed: false; readonly pendingLeaves: number };

/** merkle-nodes.lua's one string (values separated by spaces, "-" for an empty subtree) or its integer. */
const treeValues: LuaReplyDecoder<TreeRead> = (reply) => {
  if (typeof reply === 'number') return { isFlushed: false, pendingLeaves: reply };
  if (typeof reply !== 'string')
    throw new Error(`merkle-nodes.lua answered ${JSON.stringify(reply)}, not a string or an integer`);
  const values = reply === '' ? [] : reply.split(' ').map((value) => (value === '-' ? null : value));
  return { isFlushed: true, values };
};

export const putVersionScript = new LuaScript(
  [file('merkle-update'), file('put-version-rule'), file('put-version')],
  integerReply('put-version'),
);
export const putVersionsScript = new LuaScript(
  [file('merkle-update'), file('put-version-rule'), file('put-versions')],
  integerReply('put-versions'),
);
export const dropTombstoneScript = new LuaScript(
  [file('merkle-update'), file('drop-tombstone')],
  replyCodes('drop-tombstone', dropTombstoneCodes),
);
/** One list of (version id, version JSON) pairs per key asked. */
export const readVersionsScript = new LuaScript(
  file('read-versions'),
  arrayReply('read-versions', (set) => stringPairs('read-versions', set)),
);
export const merkleNodesScript = new LuaScript([file('merkle-update'), file('merkle-nodes')], treeValues);
/** (key, digest) pairs under each range asked, one list per range. */
export const merkleKeysScript = new LuaScript(
  file('merkle-keys'),
  arrayReply('merkle-keys', (range) => stringPairs('merkle-keys', range)),
);

import type { LuaReplyDecoder } from './lua-script.ts';

/**
 * The decoder for a script that answers with one code from a small table (as bullmq maps its scripts'
 * negative codes to errors in one place): `replyCodes('release', { 1: 'released', 0: 'not-owner' })`.
 * The codes live beside the script's header, so a reader sees every answer a script can give.
 */
export function replyCodes<const Codes extends Readonly<Record<string | number, string>>>(
  script: string,
  codes: Codes,
): LuaReplyDecoder<Codes[keyof Codes]> {
  return (reply) => {
    const key = typeof reply === 'number' || typeof reply === 'string' ? String(reply) : undefined;
    if (key !== undefined && Object.hasOwn(codes, key)) return codes[key as keyof Codes];
    throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, not one of its codes`);
  };
}

/** An integer reply (Redis sends Lua numbers as integers), refused when the script sent anything else. */
export function integerReply(script: string): LuaReplyDecoder<number> {
  return (reply) => {
    if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
    throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, not an integer`);
  };
}

/** A flat array reply, each element checked and converted by `element`. */
export function arrayReply<Element>(
  script: string,
  element: (value: unknown, index: number) => Element,
): LuaReplyDecoder<Element[]> {
  return (reply) => {
    if (!Array.isArray(reply))
      throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, not an array`);
    return reply.map((value, index) => element(value, index));
  };
}

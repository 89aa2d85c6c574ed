export { blockingOptions, failFastOptions } from './fail-fast-options.ts';
export { parseRedisNodes } from './node-list.ts';
export type { RedisNodeAddress } from './node-list.ts';
export { RedisNode, connectRedisNodes, redisReadinessChecks } from './redis-node.ts';
export type { RedisNodeOptions } from './redis-node.ts';
export { LuaScript } from './lua-script.ts';
export type { LuaReplyDecoder } from './lua-script.ts';
export { arrayReply, integerReply, replyCodes } from './lua-reply.ts';

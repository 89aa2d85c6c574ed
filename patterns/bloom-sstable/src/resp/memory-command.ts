import type { ByteString } from '../domain/byte-string.ts';
import { entrySizeBytes } from '../domain/entry.ts';
import type { LsmService } from '../lsm-service.ts';
import { notInteger, redisInteger, wire } from './resp-wire.ts';

const help = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'USAGE <key> [SAMPLES <count>]',
  "    Return the bytes this store accounts for <key>'s newest version: key, value and the",
  '    entry header, as the memtable counts it and an SSTable block stores it (SAMPLES is',
  '    accepted and changes nothing: a string has nothing nested to sample).',
  'HELP',
  '    Prints this help.',
];

const syntaxError = wire.error('ERR syntax error');

/**
 * MEMORY USAGE and MEMORY HELP, parsed as Redis 7.0 parses them (`redis-cli --memkeys`
 * sends MEMORY USAGE for every key it samples). Redis counts the bytes a key holds in
 * RAM; an LSM key lives in the memtable or on disk, so the figure here is the entry's
 * size in the store's own accounting. DOCTOR, STATS, MALLOC-STATS and PURGE describe a
 * Redis allocator this store does not have: they are unknown subcommands here.
 */
export async function memoryCommand(
  lsm: LsmService,
  rest: readonly ByteString[],
  client: string,
  badKey: (key: ByteString) => string | undefined,
): Promise<ByteString> {
  const [subcommand, ...args] = rest;
  if (subcommand === undefined) return wire.error("ERR wrong number of arguments for 'memory' command");
  const sub = subcommand.toUpperCase();
  if (sub === 'HELP') {
    return args.length > 0
      ? wire.error("ERR wrong number of arguments for 'memory|help' command")
      : wire.array(help.map(wire.simple));
  }
  if (sub !== 'USAGE') {
    return wire.errorBytes(`ERR unknown subcommand '${subcommand.slice(0, 128)}'. Try MEMORY HELP.`);
  }
  const [key, ...options] = args;
  if (key === undefined) return wire.error("ERR wrong number of arguments for 'memory|usage' command");
  // Options before the key is looked up, as Redis checks them.
  for (let i = 0; i < options.length; i += 2) {
    const count = options[i + 1];
    if (options[i]?.toUpperCase() !== 'SAMPLES' || count === undefined) return syntaxError;
    const samples = redisInteger(count);
    if (samples === undefined) return notInteger;
    if (samples < 0) return syntaxError;
  }
  const problem = badKey(key);
  if (problem) return problem;
  const r = await lsm.get(key, undefined, client, false);
  if (!r.found || r.value === undefined) return wire.bulk(null);
  return wire.integer(entrySizeBytes({ key, seq: r.seq ?? 0, kind: 'put', value: r.value }));
}

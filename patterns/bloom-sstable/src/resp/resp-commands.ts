import type { ByteString } from '../domain/byte-string.ts';
import { keyProblem } from '../domain/entry.ts';
import { compileGlob, globMatches, literalPrefix } from '../domain/glob.ts';
import type { KeyValue } from '../engines/kv-engine.ts';
import type { LsmService } from '../lsm-service.ts';
import type { ScanCursors } from './scan-cursors.ts';
import { scan, walkKeys } from './scan-command.ts';
import { memoryCommand } from './memory-command.ts';
import { commandReply } from './command-table.ts';
import { notInteger, redisInteger, wire } from './resp-wire.ts';

/** What a command asks of the connection besides its reply (a byte string). */
export interface CommandReply {
  readonly reply: ByteString;
  readonly shouldClose?: boolean;
}

export interface CommandContext {
  readonly client: string;
  readonly limits: { maxKeyBytes: number; maxValueBytes: number };
  readonly info: () => string;
  readonly cursors: ScanCursors;
}

const keysLimit = 10_000;

/**
 * The RESP2 commands this store speaks, on top of the same service the HTTP
 * API uses (caches, history and live view included). Arguments are byte
 * strings: keys and values are binary-safe. DBSIZE and KEYS walk the whole
 * key space (fine for a lab; SCAN walks it a page at a time, as in Redis).
 */
export async function runCommand(
  lsm: LsmService,
  args: readonly ByteString[],
  context: CommandContext,
): Promise<CommandReply> {
  const [rawName, ...rest] = args;
  if (rawName === undefined) return { reply: '' };
  const name = rawName.toUpperCase();
  const wrongArity = (): string =>
    wire.error(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
  const arity = (min: number, max = min): string | undefined =>
    rest.length < min || rest.length > max ? wrongArity() : undefined;
  const badKey = (key: ByteString): string | undefined =>
    keyProblem(key, context.limits.maxKeyBytes) === undefined
      ? undefined
      : wire.error(`ERR invalid key: 1..${context.limits.maxKeyBytes} bytes`);
  const badValue = (value: ByteString): string | undefined =>
    value.length > context.limits.maxValueBytes
      ? wire.error(`ERR value larger than ${context.limits.maxValueBytes} bytes`)
      : undefined;

  switch (name) {
    case 'PING':
      return { reply: arity(0, 1) ?? (rest[0] === undefined ? wire.simple('PONG') : wire.bulk(rest[0])) };
    case 'ECHO':
      return { reply: arity(1) ?? wire.bulk(rest[0] ?? '') };
    case 'QUIT':
      return { reply: wire.simple('OK'), shouldClose: true };
    case 'SELECT': {
      // One database, as a Redis started with `databases 1`.
      const index = redisInteger(rest[0] ?? '');
      return {
        reply:
          arity(1) ??
          (index === undefined
            ? notInteger
            : index === 0
              ? wire.simple('OK')
              : wire.error('ERR DB index is out of range')),
      };
    }
    case 'COMMAND':
      // redis-cli asks for COMMAND DOCS at start-up and draws its hints from the answer.
      return { reply: commandReply(rest) };
    case 'INFO':
      return { reply: wire.bulk(infoSections(context.info(), rest)) };
    case 'GET': {
      const key = rest[0] ?? '';
      const problem = arity(1) ?? badKey(key);
      if (problem) return { reply: problem };
      const r = await lsm.get(key, undefined, context.client, false);
      return { reply: wire.bulk(r.found ? (r.value ?? '') : null) };
    }
    case 'SET': {
      const [key = '', value = ''] = rest;
      if (rest.length > 2)
        return { reply: wire.error('ERR syntax error (this store supports SET key value only)') };
      const problem = arity(2) ?? badKey(key);
      if (problem) return { reply: problem };
      const tooBig = badValue(value);
      if (tooBig) return { reply: tooBig };
      await lsm.put(key, value, context.client);
      return { reply: wire.simple('OK') };
    }
    case 'MSET': {
      // A key without its value is a wrong number of arguments in Redis, not a syntax error.
      if (rest.length === 0 || rest.length % 2 === 1) return { reply: wrongArity() };
      const pairs: KeyValue[] = [];
      for (let i = 0; i < rest.length; i += 2) {
        const [key = '', value = ''] = rest.slice(i, i + 2);
        // Every pair is checked before any is written: a bad one leaves the store as it was.
        const problem = badKey(key) ?? badValue(value);
        if (problem) return { reply: problem };
        pairs.push({ key, value });
      }
      await lsm.putAll(pairs, context.client);
      return { reply: wire.simple('OK') };
    }
    case 'TYPE':
    case 'STRLEN': {
      const key = rest[0] ?? '';
      const problem = arity(1) ?? badKey(key);
      if (problem) return { reply: problem };
      const r = await lsm.get(key, undefined, context.client, false);
      // Every value here is a string; a missing key is `none` and 0 bytes, as in Redis.
      if (name === 'TYPE') return { reply: wire.simple(r.found ? 'string' : 'none') };
      return { reply: wire.integer(r.found ? (r.value ?? '').length : 0) };
    }
    case 'MEMORY':
      return { reply: await memoryCommand(lsm, rest, context.client, badKey) };
    case 'MGET': {
      const problem = arity(1, Number.POSITIVE_INFINITY) ?? firstProblem(rest.map(badKey));
      if (problem) return { reply: problem };
      const values: (ByteString | null)[] = [];
      for (const key of rest) {
        const r = await lsm.get(key, undefined, context.client, false);
        values.push(r.found ? (r.value ?? '') : null);
      }
      return { reply: `*${values.length}\r\n${values.map((v) => wire.bulk(v)).join('')}` };
    }
    case 'DEL':
    case 'EXISTS': {
      if (rest.length === 0) return { reply: arity(1) ?? '' };
      for (const key of rest) {
        const problem = badKey(key);
        if (problem) return { reply: problem };
      }
      let count = 0;
      for (const key of rest) {
        const r = await lsm.get(key, undefined, context.client, false);
        if (!r.found) continue;
        count += 1;
        if (name === 'DEL') await lsm.delete(key, context.client);
      }
      return { reply: wire.integer(count) };
    }
    case 'DBSIZE':
      return { reply: arity(0) ?? wire.integer((await walkKeys(lsm, '', '', () => true)).visited) };
    case 'KEYS': {
      const problem = arity(1);
      if (problem) return { reply: problem };
      const tokens = compileGlob(rest[0] ?? '*');
      const found: ByteString[] = [];
      await walkKeys(lsm, literalPrefix(tokens), '', (key) => {
        if (globMatches(tokens, key)) found.push(key);
        return found.length < keysLimit;
      });
      return { reply: wire.bulkArray(found) };
    }
    case 'SCAN':
      return { reply: await scan(lsm, rest, context.cursors) };
    default:
      return { reply: unknownCommand(rawName, rest) };
  }
}

function firstProblem(problems: readonly (string | undefined)[]): string | undefined {
  return problems.find((p) => p !== undefined);
}

/**
 * Redis 7.0's words for a command it does not know: the name (128 bytes at most) and the
 * arguments quoted, each followed by a space, until the list reaches 128 bytes; bytes as sent.
 */
function unknownCommand(name: ByteString, args: readonly ByteString[]): ByteString {
  let shown = '';
  for (const arg of args) {
    if (shown.length >= 128) break;
    shown += `'${arg.slice(0, 128 - shown.length)}' `;
  }
  return wire.errorBytes(`ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${shown}`);
}

/**
 * INFO [section ...]: the named sections (any case) in the server's order; none named, `default`,
 * `all` or `everything`: all of them. A name no section has adds nothing, as in Redis.
 */
function infoSections(text: string, names: readonly ByteString[]): string {
  const sections = text
    .split(/\r\n(?=# )/)
    .map((s) => s.replace(/(\r\n)*$/, '\r\n'))
    .filter((s) => s.startsWith('# '));
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const isAll = wanted.size === 0 || ['default', 'all', 'everything'].some((n) => wanted.has(n));
  const chosen = sections.filter((s) => isAll || wanted.has(s.slice(2, s.indexOf('\r\n')).toLowerCase()));
  return chosen.join('\r\n');
}

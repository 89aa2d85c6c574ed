import type { ByteString } from '../domain/byte-string.ts';
import { displayText } from '../domain/byte-string.ts';
import { keyProblem } from '../domain/entry.ts';
import { compileGlob, globMatches, literalPrefix } from '../domain/glob.ts';
import type { LsmService } from '../lsm-service.ts';
import type { ScanCursors } from './scan-cursors.ts';
import { wire } from './resp-wire.ts';

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
const scanDefaultCount = 10;
const scanMaxCount = 10_000;

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
  const shownName = displayText(rawName).slice(0, 64).toLowerCase();
  const arity = (min: number, max = min): string | undefined =>
    rest.length < min || rest.length > max
      ? wire.error(`ERR wrong number of arguments for '${shownName}' command`)
      : undefined;
  const badKey = (key: ByteString): string | undefined =>
    keyProblem(key, context.limits.maxKeyBytes) === undefined
      ? undefined
      : wire.error(`ERR invalid key: 1..${context.limits.maxKeyBytes} bytes`);

  switch (name) {
    case 'PING':
      return { reply: arity(0, 1) ?? (rest[0] === undefined ? wire.simple('PONG') : wire.bulk(rest[0])) };
    case 'ECHO':
      return { reply: arity(1) ?? wire.bulk(rest[0] ?? '') };
    case 'QUIT':
      return { reply: wire.simple('OK'), shouldClose: true };
    case 'SELECT':
      return {
        reply: arity(1) ?? (rest[0] === '0' ? wire.simple('OK') : wire.error('ERR DB index is out of range')),
      };
    case 'COMMAND': {
      // redis-cli asks for COMMAND DOCS at start-up to draw hints; an empty answer means "no hints".
      const sub = rest[0]?.toUpperCase();
      if (sub === 'COUNT') return { reply: wire.integer(supported.length) };
      return { reply: wire.array([]) };
    }
    case 'INFO':
      return { reply: arity(0, 1) ?? wire.bulk(context.info()) };
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
      if (value.length > context.limits.maxValueBytes) {
        return { reply: wire.error(`ERR value larger than ${context.limits.maxValueBytes} bytes`) };
      }
      await lsm.put(key, value, context.client);
      return { reply: wire.simple('OK') };
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
      return {
        reply: wire.error(
          `ERR unknown command '${displayText(rawName).slice(0, 64)}', with args beginning with: ${rest
            .slice(0, 3)
            .map((a) => `'${displayText(a).slice(0, 32)}'`)
            .join(' ')}`,
        ),
      };
  }
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE string]: examines about
 * COUNT keys from the cursor's position and returns those that match, so
 * one call does bounded work even when few keys match (as in Redis).
 */
async function scan(lsm: LsmService, rest: readonly ByteString[], cursors: ScanCursors): Promise<ByteString> {
  const [cursor = '', ...options] = rest;
  if (!/^\d+$/.test(cursor)) return wire.error('ERR invalid cursor');
  const start = cursors.resume(cursor);
  if (start === undefined) return wire.error('ERR invalid cursor (expired: start again at 0)');
  let pattern: ByteString = '*';
  let count = scanDefaultCount;
  let type: string | undefined;
  for (let i = 0; i < options.length; i += 2) {
    const option = options[i]?.toUpperCase();
    const value = options[i + 1];
    if (value === undefined) return wire.error('ERR syntax error');
    if (option === 'MATCH') pattern = value;
    else if (option === 'COUNT') {
      if (!/^\d+$/.test(value) || Number(value) < 1) return wire.error('ERR syntax error');
      count = Math.min(Number(value), scanMaxCount);
    } else if (option === 'TYPE') type = value.toLowerCase();
    else return wire.error('ERR syntax error');
  }
  const tokens = compileGlob(pattern);
  const found: ByteString[] = [];
  // Every key here is a string; TYPE asks for another type: nothing matches, but the walk goes on.
  const isTypeMatch = type === undefined || type === 'string';
  const walk = await walkKeys(
    lsm,
    literalPrefix(tokens),
    start,
    (key) => {
      if (isTypeMatch && globMatches(tokens, key)) found.push(key);
      return true;
    },
    count,
  );
  const next = walk.nextStart === null ? '0' : cursors.save(walk.nextStart);
  return wire.array([wire.bulk(next), wire.bulkArray(found)]);
}

export const supported = [
  'PING',
  'ECHO',
  'QUIT',
  'SELECT',
  'COMMAND',
  'INFO',
  'GET',
  'SET',
  'DEL',
  'EXISTS',
  'DBSIZE',
  'KEYS',
  'SCAN',
];

/**
 * Walks live keys with `prefix`, from `start`, page by page; `visit` returns false to stop.
 * With `budget`, stops after that many keys and says where to resume (null at the end).
 */
async function walkKeys(
  lsm: LsmService,
  prefix: ByteString,
  start: ByteString,
  visit: (key: ByteString) => boolean,
  budget = Number.POSITIVE_INFINITY,
): Promise<{ visited: number; nextStart: ByteString | null }> {
  let visited = 0;
  let from: ByteString | undefined = start > prefix ? start : prefix;
  while (from !== undefined) {
    const limit = Math.min(1000, budget - visited);
    const page = await lsm.scan({ start: from, prefix, limit });
    for (const item of page.items) {
      visited += 1;
      if (!visit(item.key)) return { visited, nextStart: null };
    }
    if (visited >= budget) return { visited, nextStart: page.nextStart };
    from = page.nextStart ?? undefined;
  }
  return { visited, nextStart: null };
}

import { resp } from '@kvs-lab/shared/resp';
import { utf8Length } from '../domain/bytes.ts';
import { keyProblem } from '../domain/entry.ts';
import { globToRegExp, literalPrefix } from '../domain/glob.ts';
import type { LsmService } from '../lsm-service.ts';

/** What a command asks of the connection besides its reply. */
export interface CommandReply {
  readonly reply: string;
  readonly shouldClose?: boolean;
}

const keysLimit = 10_000;

/**
 * The RESP2 commands this store speaks, on top of the same service the HTTP
 * API uses (caches, history and live view included). DBSIZE and KEYS walk
 * the whole key space: fine for a lab, which is why Redis itself has SCAN.
 */
export async function runCommand(
  lsm: LsmService,
  args: readonly string[],
  context: {
    readonly client: string;
    readonly limits: { maxKeyBytes: number; maxValueBytes: number };
    readonly info: () => string;
  },
): Promise<CommandReply> {
  const [rawName, ...rest] = args;
  if (rawName === undefined) return { reply: '' };
  const name = rawName.toUpperCase();
  const arity = (min: number, max = min): string | undefined =>
    rest.length < min || rest.length > max
      ? resp.error(`ERR wrong number of arguments for '${rawName.toLowerCase()}' command`)
      : undefined;
  const badKey = (key: string): string | undefined =>
    keyProblem(key, context.limits.maxKeyBytes) === undefined
      ? undefined
      : resp.error(`ERR invalid key: 1..${context.limits.maxKeyBytes} bytes, no control characters`);

  switch (name) {
    case 'PING':
      return { reply: arity(0, 1) ?? (rest[0] === undefined ? resp.simple('PONG') : resp.bulk(rest[0])) };
    case 'ECHO':
      return { reply: arity(1) ?? resp.bulk(rest[0] ?? '') };
    case 'QUIT':
      return { reply: resp.simple('OK'), shouldClose: true };
    case 'SELECT':
      return {
        reply: arity(1) ?? (rest[0] === '0' ? resp.simple('OK') : resp.error('ERR DB index is out of range')),
      };
    case 'COMMAND': {
      // redis-cli asks for COMMAND DOCS at start-up to draw hints; an empty answer means "no hints".
      const sub = rest[0]?.toUpperCase();
      if (sub === 'COUNT') return { reply: resp.integer(supported.length) };
      return { reply: resp.array([]) };
    }
    case 'INFO':
      return { reply: arity(0, 1) ?? resp.bulk(context.info()) };
    case 'GET': {
      const key = rest[0] ?? '';
      const problem = arity(1) ?? badKey(key);
      if (problem) return { reply: problem };
      const r = await lsm.get(key, undefined, context.client);
      return { reply: resp.bulk(r.found ? (r.value ?? '') : null) };
    }
    case 'SET': {
      const [key = '', value = ''] = rest;
      if (rest.length > 2)
        return { reply: resp.error('ERR syntax error (this store supports SET key value only)') };
      const problem = arity(2) ?? badKey(key);
      if (problem) return { reply: problem };
      if (utf8Length(value) > context.limits.maxValueBytes) {
        return { reply: resp.error(`ERR value larger than ${context.limits.maxValueBytes} bytes`) };
      }
      await lsm.put(key, value, context.client);
      return { reply: resp.simple('OK') };
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
        const r = await lsm.get(key, undefined, context.client);
        if (!r.found) continue;
        count += 1;
        if (name === 'DEL') await lsm.delete(key, context.client);
      }
      return { reply: resp.integer(count) };
    }
    case 'DBSIZE':
      return { reply: arity(0) ?? resp.integer(countKeys(lsm, '', () => true)) };
    case 'KEYS': {
      const problem = arity(1);
      if (problem) return { reply: problem };
      const pattern = rest[0] ?? '*';
      const matcher = globToRegExp(pattern);
      const found: string[] = [];
      countKeys(lsm, literalPrefix(pattern), (key) => {
        if (matcher.test(key)) found.push(key);
        return found.length < keysLimit;
      });
      return { reply: resp.bulkArray(found) };
    }
    default:
      return {
        reply: resp.error(
          `ERR unknown command '${rawName.slice(0, 64)}', with args beginning with: ${rest
            .slice(0, 3)
            .map((a) => `'${a.slice(0, 32)}'`)
            .join(' ')}`,
        ),
      };
  }
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
];

/** Walks live keys with a prefix page by page; `visit` returns false to stop. */
function countKeys(lsm: LsmService, prefix: string, visit: (key: string) => boolean): number {
  let count = 0;
  let start: string | undefined = prefix;
  while (start !== undefined) {
    const page = lsm.scan({ start, prefix, limit: 1000 });
    for (const item of page.items) {
      count += 1;
      if (!visit(item.key)) return count;
    }
    start = page.nextStart ?? undefined;
  }
  return count;
}

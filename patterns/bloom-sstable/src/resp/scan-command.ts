import type { ByteString } from '../domain/byte-string.ts';
import { compileGlob, globMatches, literalPrefix } from '../domain/glob.ts';
import type { LsmService } from '../lsm-service.ts';
import type { ScanCursors } from './scan-cursors.ts';
import { parseScanCursor } from './scan-cursors.ts';
import { notInteger, redisInteger, wire } from './resp-wire.ts';

const scanDefaultCount = 10;
const scanMaxCount = 10_000;

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE string]: examines about
 * COUNT keys from the cursor's position and returns those that match, so
 * one call does bounded work even when few keys match (as in Redis).
 */
export async function scan(
  lsm: LsmService,
  rest: readonly ByteString[],
  cursors: ScanCursors,
): Promise<ByteString> {
  if (rest.length === 0) return wire.error("ERR wrong number of arguments for 'scan' command");
  const [text = '', ...options] = rest;
  const cursor = parseScanCursor(text);
  if (cursor === undefined) return wire.error('ERR invalid cursor');
  let pattern: ByteString = '*';
  let count = scanDefaultCount;
  let type: string | undefined;
  for (let i = 0; i < options.length; i += 2) {
    const option = options[i]?.toUpperCase();
    const value = options[i + 1];
    if (value === undefined) return wire.error('ERR syntax error');
    if (option === 'MATCH') pattern = value;
    else if (option === 'COUNT') {
      const asked = redisInteger(value);
      if (asked === undefined) return notInteger;
      if (asked < 1) return wire.error('ERR syntax error');
      count = Math.min(asked, scanMaxCount);
    } else if (option === 'TYPE') type = value.toLowerCase();
    else return wire.error('ERR syntax error');
  }
  const resume = cursors.resume(cursor);
  if (resume === 'expired') return wire.error('ERR invalid cursor (expired: start again at 0)');
  // A number this port never handed out names no position in the store: the iteration is over.
  if (resume === 'never-issued') return wire.array([wire.bulk('0'), wire.bulkArray([])]);
  const tokens = compileGlob(pattern);
  const found: ByteString[] = [];
  // Every key here is a string; TYPE asks for another type: nothing matches, but the walk goes on.
  const isTypeMatch = type === undefined || type === 'string';
  const walk = await walkKeys(
    lsm,
    literalPrefix(tokens),
    resume.at,
    (key) => {
      if (isTypeMatch && globMatches(tokens, key)) found.push(key);
      return true;
    },
    count,
  );
  const next = walk.nextStart === null ? '0' : cursors.save(walk.nextStart);
  return wire.array([wire.bulk(next), wire.bulkArray(found)]);
}

/**
 * Walks live keys with `prefix`, from `start`, page by page; `visit` returns false to stop.
 * With `budget`, stops after that many keys and says where to resume (null at the end).
 */
export async function walkKeys(
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

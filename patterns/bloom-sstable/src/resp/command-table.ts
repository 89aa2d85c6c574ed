import type { ByteString } from '../domain/byte-string.ts';
import { wire } from './resp-wire.ts';

/** One argument as COMMAND DOCS describes it; redis-cli draws its typing hints from these. */
interface ArgumentDoc {
  readonly name: string;
  readonly type: 'key' | 'string' | 'integer' | 'pattern' | 'block';
  readonly token?: string;
  readonly flags?: readonly ('optional' | 'multiple')[];
  /** A block's parts (MSET's key and value). */
  readonly arguments?: readonly ArgumentDoc[];
}

/**
 * A command this port speaks: arity, flags, key positions and ACL categories
 * as Redis 7.0 reports them for the same command (so a client that reads
 * COMMAND sees Redis's shape), and docs that describe this store's version.
 */
interface CommandSpec {
  readonly name: string;
  /** Argument count including the name; negative: at least that many. */
  readonly arity: number;
  readonly flags: readonly string[];
  /** First key, last key (-1: the last argument), step between keys; 0 0 0 when no argument is a key. */
  readonly keys: readonly [number, number, number];
  readonly categories: readonly string[];
  readonly summary: string;
  /** The Redis version that introduced the command, when not 1.0.0. */
  readonly since?: string;
  readonly group: string;
  readonly complexity: string;
  readonly arguments?: readonly ArgumentDoc[];
}

const noKeys = [0, 0, 0] as const;
const key: ArgumentDoc = { name: 'key', type: 'key' };
const keys: ArgumentDoc = { name: 'key', type: 'key', flags: ['multiple'] };

export const commandTable: readonly CommandSpec[] = [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast'],
    keys: noKeys,
    categories: ['fast', 'connection'],
    summary: 'Ping the server',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{ name: 'message', type: 'string', flags: ['optional'] }],
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    keys: noKeys,
    categories: ['fast', 'connection'],
    summary: 'Echo the given string',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{ name: 'message', type: 'string' }],
  },
  {
    name: 'quit',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    keys: noKeys,
    categories: ['fast', 'connection'],
    summary: 'Close the connection',
    group: 'connection',
    complexity: 'O(1)',
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    keys: noKeys,
    categories: ['fast', 'connection'],
    summary: 'Select the database: this store has one, database 0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{ name: 'index', type: 'integer' }],
  },
  {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale'],
    keys: noKeys,
    categories: ['slow', 'connection'],
    summary: 'Get array of command details (COUNT, LIST, INFO, DOCS, HELP)',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the number of commands this port speaks',
  },
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    keys: noKeys,
    categories: ['slow', 'dangerous'],
    summary: 'Get information about the server and its LSM levels',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'section', type: 'string', flags: ['optional', 'multiple'] }],
  },
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    categories: ['read', 'string', 'fast'],
    summary: 'Get the value of a key (L1, L2, memtable, then SSTables behind their Bloom filters)',
    group: 'string',
    complexity: 'O(log N) per table asked',
    arguments: [key],
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    categories: ['write', 'string', 'slow'],
    summary: 'Set the string value of a key (no options here: no TTL, NX, XX or GET)',
    group: 'string',
    complexity: 'O(log N): one WAL record and one memtable insert',
    arguments: [key, { name: 'value', type: 'string' }],
  },
  {
    name: 'mset',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 2],
    categories: ['write', 'string', 'slow'],
    summary: 'Set several keys at once: all or none, in one WAL record',
    since: '1.0.1',
    group: 'string',
    complexity: 'O(N log M): one WAL record and N memtable inserts',
    arguments: [
      {
        name: 'key_value',
        type: 'block',
        flags: ['multiple'],
        arguments: [key, { name: 'value', type: 'string' }],
      },
    ],
  },
  {
    name: 'strlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    categories: ['read', 'string', 'fast'],
    summary: 'Get the length of the value stored in a key (0 when there is none)',
    since: '2.2.0',
    group: 'string',
    complexity: 'O(log N) per table asked, as GET',
    arguments: [key],
  },
  {
    name: 'mget',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    categories: ['read', 'string', 'fast'],
    summary: 'Get the values of all the given keys (read one after the other, not at one instant)',
    group: 'string',
    complexity: 'O(N) gets where N is the number of keys',
    arguments: [keys],
  },
  {
    name: 'del',
    arity: -2,
    flags: ['write'],
    keys: [1, -1, 1],
    categories: ['keyspace', 'write', 'slow'],
    summary: 'Delete keys: each delete is a tombstone',
    group: 'generic',
    complexity: 'O(N) where N is the number of keys',
    arguments: [keys],
  },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    categories: ['keyspace', 'read', 'fast'],
    summary: 'Count how many of the given keys exist',
    group: 'generic',
    complexity: 'O(N) where N is the number of keys',
    arguments: [keys],
  },
  {
    name: 'type',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    categories: ['keyspace', 'read', 'fast'],
    summary: 'Determine the type stored at key: string, or none (every value here is a string)',
    group: 'generic',
    complexity: 'O(log N) per table asked, as GET',
    arguments: [key],
  },
  {
    name: 'memory',
    arity: -2,
    flags: [],
    keys: noKeys,
    categories: ['slow'],
    summary: "MEMORY USAGE: the bytes of a key's newest entry (key, value, header); MEMORY HELP",
    since: '4.0.0',
    group: 'server',
    complexity: 'O(log N) per table asked, as GET',
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    keys: noKeys,
    categories: ['keyspace', 'read', 'fast'],
    summary: 'Return the number of keys (here: a walk over every live key)',
    group: 'server',
    complexity: 'O(N) where N is the number of keys',
  },
  {
    name: 'keys',
    arity: 2,
    flags: ['readonly'],
    keys: noKeys,
    categories: ['keyspace', 'read', 'slow', 'dangerous'],
    summary: 'Find the keys matching a glob pattern (at most 10,000)',
    group: 'generic',
    complexity: "O(N) with N the keys under the pattern's literal prefix",
    arguments: [{ name: 'pattern', type: 'pattern' }],
  },
  {
    name: 'scan',
    arity: -2,
    flags: ['readonly'],
    keys: noKeys,
    categories: ['keyspace', 'read', 'slow'],
    summary: 'Iterate the keys in key order, about COUNT keys per call',
    since: '2.8.0',
    group: 'generic',
    complexity: 'O(COUNT) for every call',
    arguments: [
      { name: 'cursor', type: 'integer' },
      { name: 'pattern', type: 'pattern', token: 'MATCH', flags: ['optional'] },
      { name: 'count', type: 'integer', token: 'COUNT', flags: ['optional'] },
      { name: 'type', type: 'string', token: 'TYPE', flags: ['optional'] },
    ],
  },
];

const byName = new Map(commandTable.map((spec) => [spec.name, spec]));

const help = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all the commands this port speaks.',
  'COUNT',
  '    Return the number of commands this port speaks.',
  'LIST',
  '    Return their names.',
  'INFO [<command-name> ...]',
  '    Return details about the named commands (all when none is named).',
  'DOCS [<command-name> ...]',
  '    Return documentation about the named commands (all when none is named).',
  'HELP',
  '    Print this help.',
];

/** COMMAND and its subcommands, answered as Redis 7.0 answers them in RESP2 for the commands this port speaks. */
export function commandReply(rest: readonly ByteString[]): ByteString {
  const [rawSub, ...names] = rest;
  if (rawSub === undefined) return wire.array(commandTable.map(infoEntry));
  const sub = rawSub.toUpperCase();
  const arityError = wire.error(`ERR wrong number of arguments for 'command|${sub.toLowerCase()}' command`);
  switch (sub) {
    case 'COUNT':
      return names.length > 0 ? arityError : wire.integer(commandTable.length);
    case 'LIST':
      // Redis's FILTERBY is not offered: any argument is a syntax error, as Redis answers a bad filter.
      return names.length > 0
        ? wire.error('ERR syntax error')
        : wire.bulkArray(commandTable.map((s) => s.name));
    case 'INFO': {
      const specs = names.length === 0 ? commandTable : names.map((n) => byName.get(n.toLowerCase()));
      return wire.array(specs.map((spec) => (spec === undefined ? wire.bulk(null) : infoEntry(spec))));
    }
    case 'DOCS': {
      const specs =
        names.length === 0 ? commandTable : names.flatMap((n) => byName.get(n.toLowerCase()) ?? []);
      return wire.array(specs.flatMap((spec) => [wire.bulk(spec.name), docsEntry(spec)]));
    }
    case 'HELP':
      return names.length > 0 ? arityError : wire.array(help.map(wire.simple));
    default:
      return wire.errorBytes(`ERR unknown subcommand '${rawSub.slice(0, 128)}'. Try COMMAND HELP.`);
  }
}

function infoEntry(spec: CommandSpec): ByteString {
  const [first, last, step] = spec.keys;
  return wire.array([
    wire.bulk(spec.name),
    wire.integer(spec.arity),
    wire.array(spec.flags.map(wire.simple)),
    wire.integer(first),
    wire.integer(last),
    wire.integer(step),
    wire.array(spec.categories.map((c) => wire.simple(`@${c}`))),
    // Tips, key specifications and subcommands: not described by this port (empty, as for many Redis commands).
    wire.array([]),
    wire.array([]),
    wire.array([]),
  ]);
}

function docsEntry(spec: CommandSpec): ByteString {
  const fields = [
    wire.bulk('summary'),
    wire.bulk(spec.summary),
    wire.bulk('since'),
    wire.bulk(spec.since ?? '1.0.0'),
    wire.bulk('group'),
    wire.bulk(spec.group),
    wire.bulk('complexity'),
    wire.bulk(spec.complexity),
  ];
  if (spec.arguments !== undefined)
    fields.push(wire.bulk('arguments'), wire.array(spec.arguments.map(argumentEntry)));
  return wire.array(fields);
}

function argumentEntry(arg: ArgumentDoc): ByteString {
  const fields = [wire.bulk('name'), wire.bulk(arg.name), wire.bulk('type'), wire.bulk(arg.type)];
  if (arg.token !== undefined) fields.push(wire.bulk('token'), wire.bulk(arg.token));
  if (arg.flags !== undefined) fields.push(wire.bulk('flags'), wire.array(arg.flags.map(wire.simple)));
  if (arg.arguments !== undefined)
    fields.push(wire.bulk('arguments'), wire.array(arg.arguments.map(argumentEntry)));
  return wire.array(fields);
}

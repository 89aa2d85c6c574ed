import { replyCodes } from '@kvs-lab/shared/redis';

/**
 * Every code a Lua script of this pattern answers with, in one table: a reader
 * finds each script's answers here and in its header, and a code no script can
 * send fails loudly instead of being read as a refusal.
 */
const codes = {
  acquire: { 1: 'granted', 2: 'held', 3: 'queued', 4: 'recovering' },
  release: { 1: 'applied', 0: 'not-ours' },
  extend: { 1: 'applied', 0: 'not-ours' },
  'raise-counter': { 1: 'raised', 0: 'behind', 2: 'lapsed' },
  'take-ticket': { 1: 'raised', 0: 'behind' },
  dequeue: { 1: 'dequeued', 0: 'absent' },
  'fenced-write': { 1: 'accepted', 0: 'stale' },
} as const;

export type ScriptName = keyof typeof codes;
export type ReplyCode<S extends ScriptName> = (typeof codes)[S][keyof (typeof codes)[S]];

/** The one place a script's code becomes a word. */
export function replyCode<S extends ScriptName>(script: S, code: unknown): ReplyCode<S> {
  return replyCodes(script, codes[script])(code);
}

/** A reply that must be an array (every script here but dequeue answers one). */
export function replyArray(script: ScriptName | 'view', reply: unknown): readonly unknown[] {
  if (Array.isArray(reply)) return reply;
  throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, not an array`);
}

/** An integer (Redis sends Lua numbers as integers; a value read from a hash arrives as a string). */
export function integerAt(script: ScriptName | 'view', reply: readonly unknown[], index: number): number {
  const value = reply[index];
  const n = typeof value === 'string' && value !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  throw new Error(`${script}.lua answered ${JSON.stringify(value)} at ${index + 1}, not an integer`);
}

/** An integer, or null where the script sends '' for "none recorded". */
export function optionalIntegerAt(
  script: ScriptName | 'view',
  reply: readonly unknown[],
  index: number,
): number | null {
  const value = reply[index];
  return value === '' || value === undefined ? null : integerAt(script, reply, index);
}

export function stringAt(script: ScriptName | 'view', reply: readonly unknown[], index: number): string {
  const value = reply[index];
  if (typeof value === 'string') return value;
  throw new Error(`${script}.lua answered ${JSON.stringify(value)} at ${index + 1}, not a string`);
}

import { parseDeliveryOutcome } from '../domain/delivery-outcome.ts';
import type { DeliveryOutcome } from '../domain/delivery-outcome.ts';

/**
 * The one place the two Lua scripts' answers become types: each decoder checks the shape its
 * script's header promises and throws on anything else (a bug in the script, not input).
 */

/** What send.lua answers, by its first element: the script's codes and the results they stand for. */
const sendCodes: ReadonlyMap<unknown, SendResult['kind']> = new Map([
  ['ADDED', 'added'],
  ['DUPLICATE', 'duplicate'],
  ['KEY_REUSED', 'key-reused'],
  ['RATE_LIMITED', 'rate-limited'],
  ['NO_DEAD_LETTER', 'no-dead-letter'],
]);

export type SendResult =
  | {
      readonly kind: 'added';
      readonly id: string;
      readonly evicted: number;
      readonly evictedUndelivered: number;
      readonly evictedByAge: number;
    }
  | { readonly kind: 'duplicate'; readonly id: string }
  | { readonly kind: 'key-reused'; readonly firstId: string }
  | { readonly kind: 'rate-limited'; readonly remainingMs: number }
  | { readonly kind: 'no-dead-letter' };

/** One delivery attempt as deliver.lua reports it. */
export interface DeliveryAttempt {
  readonly outcome: DeliveryOutcome;
  /** The entry's delivery count in the group's PEL (0 when not pending). */
  readonly deliveries: number;
}

export interface DeliveryBatchReply {
  /** One list per room run sent, in order: the attempts made, oldest first. */
  readonly runs: DeliveryAttempt[][];
  readonly skipped: number;
}

const refuse = (script: string, reply: unknown): never => {
  throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, which its header does not allow`);
};

const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));

const count = (script: string, reply: unknown, value: unknown): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : refuse(script, reply);
};

/** send.lua's reply: `{code, ...}` as its header lists them. */
export function decodeSendReply(reply: unknown): SendResult {
  if (!isList(reply)) return refuse('send', reply);
  const [code, ...rest] = reply;
  const kind = sendCodes.get(code);
  switch (kind) {
    case 'added':
      return {
        kind,
        id: text(rest[0]),
        evicted: count('send', reply, rest[1]),
        evictedUndelivered: count('send', reply, rest[2]),
        evictedByAge: count('send', reply, rest[3]),
      };
    case 'duplicate':
      return { kind, id: text(rest[0]) };
    case 'key-reused':
      return { kind, firstId: text(rest[0]) };
    case 'rate-limited':
      return { kind, remainingMs: count('send', reply, rest[0]) };
    case 'no-dead-letter':
      return { kind };
    case undefined:
      return refuse('send', reply);
  }
}

/** deliver.lua's reply: `{runs, skipped}`, each run one string of `outcome:deliveries` joined by ','. */
export function decodeDeliverReply(reply: unknown): DeliveryBatchReply {
  if (!isList(reply) || !isList(reply[0])) return refuse('deliver', reply);
  const runs = reply[0].map((run) => {
    if (typeof run !== 'string') return refuse('deliver', reply);
    if (run === '') return [];
    return run.split(',').map((attempt) => {
      const colon = attempt.indexOf(':');
      if (colon < 0) return refuse('deliver', reply);
      return {
        outcome: parseDeliveryOutcome(attempt.slice(0, colon)),
        deliveries: count('deliver', reply, attempt.slice(colon + 1)),
      };
    });
  });
  return { runs, skipped: count('deliver', reply, reply[1]) };
}

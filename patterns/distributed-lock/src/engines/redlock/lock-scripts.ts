import { LuaScript } from '@kvs-lab/shared/redis';
import type { AcquireVote } from '../../domain/acquire-votes.ts';
import type { LeaseReply } from '../../domain/lease-replies.ts';
import type { NodeLockState, QueueEntry } from '../../domain/lock-view.ts';
import type { RaiseReply } from '../../domain/quorum-counter.ts';
import { keys } from '../../store/keys.ts';
import { integerAt, optionalIntegerAt, replyArray, replyCode, stringAt } from '../../store/script-replies.ts';

/** A node's answer before LockNodes names the node that gave it. */
export type Unnamed<T> = T extends unknown ? Omit<T, 'node'> : never;

const file = (name: string) => new URL(`./lua/${name}.lua`, import.meta.url);
/** A script that queues waiters, with the one rule for dropping the lapsed ones in front of it. */
const withWaiters = (name: string) => [file('lapsed-waiters'), file(name)];

function acquireVote(reply: unknown): Unnamed<AcquireVote> {
  const r = replyArray('acquire', reply);
  const at = (i: number) => integerAt('acquire', r, i);
  switch (replyCode('acquire', r[0])) {
    case 'granted':
      return { kind: 'granted', fencingCounter: at(1), raised: at(2) === 1 };
    case 'held':
      return {
        kind: 'held',
        fencingCounter: at(1),
        holderOwner: stringAt('acquire', r, 2),
        holderTtlMs: at(3),
      };
    case 'queued':
      return { kind: 'queued', fencingCounter: at(1), headWaiter: stringAt('acquire', r, 2) };
    case 'recovering':
      return { kind: 'recovering', remainingMs: at(1) };
  }
}

/** release.lua and extend.lua answer alike: done on our lease (and whose it was), or not ours. */
function leaseReply(script: 'release' | 'extend') {
  return (reply: unknown): Unnamed<LeaseReply> => {
    const r = replyArray(script, reply);
    if (replyCode(script, r[0]) === 'not-ours') return { kind: 'not-ours' };
    return {
      kind: 'applied',
      lease: { fencingToken: optionalIntegerAt(script, r, 1), owner: stringAt(script, r, 2) },
    };
  };
}

function raiseReply(reply: unknown): Unnamed<RaiseReply> {
  const r = replyArray('raise-counter', reply);
  switch (replyCode('raise-counter', r[0])) {
    case 'raised':
      return { kind: 'raised' };
    case 'lapsed':
      return { kind: 'lapsed' };
    case 'behind':
      return { kind: 'behind', current: integerAt('raise-counter', r, 1) };
  }
}

/** A ticket's first round: the raise, and whether the node would grant this waiter now. */
export type TicketReply = { kind: 'raised'; isNext: boolean } | { kind: 'behind'; current: number };

function ticketReply(reply: unknown): TicketReply {
  const r = replyArray('take-ticket', reply);
  const at = (i: number) => integerAt('take-ticket', r, i);
  return replyCode('take-ticket', r[0]) === 'raised'
    ? { kind: 'raised', isNext: at(1) === 1 }
    : { kind: 'behind', current: at(1) };
}

function nodeState(reply: unknown): Unnamed<NodeLockState> {
  const r = replyArray('view', reply);
  const at = (i: number) => integerAt('view', r, i);
  const text = (i: number) => stringAt('view', r, i);
  const quarantineMs = at(6);
  if (quarantineMs > 0) return { kind: 'recovering', remainingMs: quarantineMs };
  const flat = replyArray('view', r[7]);
  const queue: QueueEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    queue.push({ member: stringAt('view', flat, i), ticket: integerAt('view', flat, i + 1) });
  }
  const token = text(0);
  const pttl = at(4);
  return {
    kind: 'up',
    token: token === '' ? null : token,
    owner: token === '' ? null : text(1),
    instance: token === '' ? null : text(2),
    fencingToken: optionalIntegerAt('view', r, 3),
    ttlMs: pttl > 0 ? pttl : null,
    fencingCounter: at(5),
    queue,
  };
}

/** The keys acquire.lua reads and writes, in the order it names them (KEYS[1..6]). */
export const acquireKeys = (resource: string): string[] => [
  keys.lock(resource),
  keys.queue(resource),
  keys.queueLease(resource),
  keys.fencing(resource),
  keys.nodeMarker,
  keys.nodeQuarantine,
];

/** The keys release.lua reads and writes, in the order it names them (KEYS[1..3]). */
export const releaseKeys = (resource: string): string[] => [
  keys.lock(resource),
  keys.queue(resource),
  keys.queueLease(resource),
];

/** The lock nodes' scripts, each beside the decoder of its reply. */
export const lockScripts = {
  acquire: new LuaScript(withWaiters('acquire'), acquireVote),
  release: new LuaScript(withWaiters('release'), leaseReply('release')),
  extend: new LuaScript(file('extend'), leaseReply('extend')),
  raiseCounter: new LuaScript(file('raise-counter'), raiseReply),
  takeTicket: new LuaScript(withWaiters('take-ticket'), ticketReply),
  dequeue: new LuaScript(file('dequeue'), (reply) => replyCode('dequeue', reply)),
  view: new LuaScript(withWaiters('view'), nodeState),
};

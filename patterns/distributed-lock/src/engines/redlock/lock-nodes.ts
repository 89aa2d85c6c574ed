import type { Redis } from 'ioredis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import type { AcquireVote } from '../../domain/acquire-votes.ts';
import type { NodeLockState } from '../../domain/lock-view.ts';
import { RecentSamples } from '../../domain/percentiles.ts';
import type { RaiseReply } from '../../domain/quorum-counter.ts';
import type { LeaseReply } from '../../domain/lease-replies.ts';
import { keys } from '../../store/keys.ts';
import { acquireKeys, lockScripts as scripts, releaseKeys } from './lock-scripts.ts';
import type { TicketReply } from './lock-scripts.ts';

export interface AcquireRequest {
  readonly resource: string;
  readonly token: string;
  readonly ttlMs: number;
  readonly owner: string;
  readonly instance: string;
  /** Present for a caller that waits in the queue. */
  readonly waiter?: { readonly member: string; readonly ticket: number };
  readonly queueLeaseMs: number;
  readonly restartDelayMs: number;
  /** The fencing token a granting node raises its counter to in the same step (0: none). */
  readonly proposedFencingToken: number;
}

/** A fan-out answered early: the answers when `isSettled` said enough, and every answer once all are in. */
export interface SettledFanOut<T> {
  readonly settled: Promise<T[]>;
  readonly all: Promise<T[]>;
}

/** What a release or extend publishes besides the node's own record: who sent it, and the time it stands for. */
export interface LeaseAnnouncement {
  readonly instance: string;
  /** Release: when it was sent (the lease's window ends there). Extend: the sender's clock + ttlMs. */
  readonly atMs: number;
}

/** Per-node figures for /stats: calls, failures, latency. */
export interface NodeStats {
  readonly node: string;
  calls: number;
  errors: number;
  lastError: string | null;
  readonly latencyMs: RecentSamples;
}

/** A node call that failed, for the live view's fault log. */
export type NodeFaultListener = (node: string, reason: string) => void;

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The five lock nodes seen as one: each call goes to every node in parallel,
 * and each node's answer (or failure) comes back as a vote. Nothing here
 * decides anything: the domain tallies the votes.
 */
export class LockNodes {
  readonly nodes: readonly RedisNode[];
  /** The nodes' names, in node order. */
  readonly names: readonly string[];
  readonly stats: ReadonlyMap<string, NodeStats>;
  private readonly onFault: NodeFaultListener;

  constructor(nodes: readonly RedisNode[], onFault: NodeFaultListener = () => undefined) {
    this.nodes = nodes;
    this.names = nodes.map((n) => n.name);
    this.stats = new Map(
      nodes.map((n) => [
        n.name,
        { node: n.name, calls: 0, errors: 0, lastError: null, latencyMs: new RecentSamples(500) },
      ]),
    );
    this.onFault = onFault;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Marks each node as used by this lab, so a later loss of its data can be told apart. */
  async markNodes(): Promise<void> {
    await Promise.all(
      this.nodes.map((n) => n.run((c) => c.set(keys.nodeMarker, '1', 'NX')).catch(() => undefined)),
    );
  }

  /**
   * Every node votes; `isSettled` says when the votes so far decide the attempt (a quorum that
   * granted and raised the token), so the caller need not wait for a slow node.
   */
  acquire(
    request: AcquireRequest,
    isSettled: (votes: readonly AcquireVote[], pending: number) => boolean,
  ): SettledFanOut<AcquireVote> {
    const { resource, waiter } = request;
    // One key list and one argument list for all five nodes: only the node differs.
    const scriptKeys = acquireKeys(resource);
    const args: (string | number)[] = [
      request.token,
      request.ttlMs,
      request.owner,
      request.instance,
      request.restartDelayMs,
      request.proposedFencingToken,
    ];
    // The queue's arguments only for a waiter: acquire.lua reads them only then.
    if (waiter) args.push(waiter.member, waiter.ticket, request.queueLeaseMs);
    const send = (c: Redis) => scripts.acquire.run(c, scriptKeys, args);
    return this.fanOutSettling(
      async (node): Promise<AcquireVote> => ({ node: node.name, ...(await node.run(send)) }),
      (node, reason): AcquireVote => ({ node, kind: 'unreachable', reason }),
      isSettled,
    );
  }

  /** Deletes our lease wherever it still is; `applied` marks the nodes that had it. */
  release(
    resource: string,
    token: string,
    announce: LeaseAnnouncement,
    only?: readonly string[],
  ): Promise<LeaseReply[]> {
    return this.deleteLease(resource, token, announce, true, only);
  }

  /**
   * Takes back the grants of an attempt that handed out no lease (refused, too slow, or a
   * late vote): deleted like a release, announced without a fencing token, which on these
   * nodes may be a proposal that was issued to nobody.
   */
  withdraw(
    resource: string,
    token: string,
    announce: LeaseAnnouncement,
    only?: readonly string[],
  ): Promise<LeaseReply[]> {
    return this.deleteLease(resource, token, announce, false, only);
  }

  private deleteLease(
    resource: string,
    token: string,
    announce: LeaseAnnouncement,
    isHandedOut: boolean,
    only?: readonly string[],
  ): Promise<LeaseReply[]> {
    const scriptKeys = releaseKeys(resource);
    const args = [
      token,
      keys.releasedChannel,
      resource,
      announce.instance,
      announce.atMs,
      isHandedOut ? '1' : '0',
    ];
    const send = (c: Redis) => scripts.release.run(c, scriptKeys, args);
    return this.fanOut(
      async (node): Promise<LeaseReply> => ({ node: node.name, ...(await node.run(send)) }),
      (node): LeaseReply => ({ node, kind: 'unreachable' }),
      only,
    );
  }

  async extend(
    resource: string,
    token: string,
    ttlMs: number,
    announce: LeaseAnnouncement,
  ): Promise<LeaseReply[]> {
    return this.fanOut(
      async (node): Promise<LeaseReply> => {
        const reply = await node.run((c) =>
          scripts.extend.run(
            c,
            [keys.lock(resource)],
            [token, ttlMs, keys.releasedChannel, resource, announce.instance, announce.atMs],
          ),
        );
        return { node: node.name, ...reply };
      },
      (node): LeaseReply => ({ node, kind: 'unreachable' }),
    );
  }

  /** The write-back round of the quorum counter: raise to `proposed` where lower. */
  async raiseCounter(counterKey: string, proposed: number, lease?: { resource: string; token: string }) {
    return this.fanOut(
      async (node): Promise<RaiseReply> => {
        const reply = await node.run((c) =>
          scripts.raiseCounter.run(
            c,
            [counterKey, lease ? keys.lock(lease.resource) : counterKey],
            [proposed, lease?.token ?? ''],
          ),
        );
        return { node: node.name, ...reply };
      },
      (node): RaiseReply => ({ node, kind: 'unreachable' }),
    );
  }

  /** A ticket's first round: raise the ticket counter to `proposed` and register the waiter where raised. */
  async takeTicket(
    resource: string,
    proposed: number,
    waiter: { member: string; queueLeaseMs: number },
  ): Promise<{ reply: RaiseReply; isNext: boolean }[]> {
    return this.fanOut<{ reply: RaiseReply; isNext: boolean }>(
      async (node) => {
        const reply: TicketReply = await node.run((c) =>
          scripts.takeTicket.run(
            c,
            [keys.ticket(resource), keys.queue(resource), keys.queueLease(resource), keys.lock(resource)],
            [proposed, waiter.member, waiter.queueLeaseMs],
          ),
        );
        return reply.kind === 'raised'
          ? { reply: { node: node.name, kind: 'raised' }, isNext: reply.isNext }
          : { reply: { node: node.name, kind: 'behind', current: reply.current }, isNext: false };
      },
      (node) => ({ reply: { node, kind: 'unreachable' }, isNext: false }),
    );
  }

  async dequeue(resource: string, member: string, only?: readonly string[]): Promise<void> {
    await this.fanOut(
      (node) =>
        node.run((c) => scripts.dequeue.run(c, [keys.queue(resource), keys.queueLease(resource)], [member])),
      () => undefined,
      only,
    );
  }

  async view(resource: string): Promise<NodeLockState[]> {
    return this.fanOut(
      async (node): Promise<NodeLockState> => {
        const state = await node.run((c) =>
          scripts.view.run(
            c,
            [
              keys.lock(resource),
              keys.queue(resource),
              keys.queueLease(resource),
              keys.fencing(resource),
              keys.nodeQuarantine,
            ],
            [],
          ),
        );
        return { node: node.name, ...state };
      },
      (node, reason): NodeLockState => ({ node, kind: 'unreachable', reason }),
    );
  }

  /** Sends one call to every node (or the named ones) at once; a failure becomes that node's answer. */
  private async fanOut<T>(
    call: (node: RedisNode) => Promise<T>,
    onError: (node: string, reason: string) => T,
    only?: readonly string[],
  ): Promise<T[]> {
    return this.fanOutSettling(call, onError, () => false, only).all;
  }

  /**
   * The same, answered as soon as `isSettled` says the answers so far are enough; the rest keep
   * coming in `all`. Answers are in node order, whichever came first.
   */
  private fanOutSettling<T>(
    call: (node: RedisNode) => Promise<T>,
    onError: (node: string, reason: string) => T,
    isSettled: (answers: readonly T[], pending: number) => boolean,
    only?: readonly string[],
  ): SettledFanOut<T> {
    const targets = only ? this.nodes.filter((n) => only.includes(n.name)) : this.nodes;
    const slots: (T | undefined)[] = new Array<T | undefined>(targets.length);
    // In arrival order, for isSettled (which only counts); the answer itself is in node order.
    const arrived: T[] = [];
    let isDone = false;
    let settle: (answers: T[]) => void = () => undefined;
    const settled = new Promise<T[]>((resolve) => (settle = resolve));
    const answered = (i: number, answer: T): T => {
      slots[i] = answer;
      arrived.push(answer);
      if (
        !isDone &&
        (arrived.length === targets.length || isSettled(arrived, targets.length - arrived.length))
      ) {
        isDone = true;
        settle(slots.filter((a): a is T => a !== undefined));
      }
      return answer;
    };
    const all = Promise.all(
      targets.map((node, i) => this.callOne(node, call, onError).then((answer) => answered(i, answer))),
    );
    if (targets.length === 0) settle([]);
    return { settled, all };
  }

  /** One node's call, counted in its figures; a failure becomes its answer. */
  private async callOne<T>(
    node: RedisNode,
    call: (node: RedisNode) => Promise<T>,
    onError: (node: string, reason: string) => T,
  ): Promise<T> {
    const stats = this.stats.get(node.name);
    const started = performance.now();
    try {
      const result = await call(node);
      if (stats) {
        stats.calls += 1;
        stats.latencyMs.add(performance.now() - started);
      }
      return result;
    } catch (error) {
      const reason = reasonOf(error);
      if (stats) {
        stats.calls += 1;
        stats.errors += 1;
        stats.lastError = reason;
      }
      this.onFault(node.name, reason);
      return onError(node.name, reason);
    }
  }
}

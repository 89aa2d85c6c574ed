import type { History } from '@kvs-lab/shared/history';
import { recorded } from '@kvs-lab/shared/history';

import { compare, fromJSON } from '@kvs-lab/shared/vector-clock';
import type { ClockOrder, VectorClockJson } from '@kvs-lab/shared/vector-clock';
import type { RingInput, RingOutput } from './check/ring-check.ts';
import type { RingEngine, StoredVersion } from './engines/ring-engine.ts';
import { AppError } from './errors.ts';
import type { ErrorCode } from './errors.ts';

export interface WriteResult {
  readonly key: string;
  readonly value: string | null;
  readonly clock: VectorClockJson;
  readonly term: number;
  readonly index: number;
  readonly leaderId: string;
  /** The version this write was stamped on top of, and how the new clock relates to it (always `after`). */
  readonly replaces: {
    readonly index: number;
    readonly clock: VectorClockJson;
    readonly relation: ClockOrder;
  } | null;
}

/** A read's answer; `value` null when the key was never written or was deleted (then `clock` may remain). */
export interface ReadResult {
  readonly key: string;
  readonly value: string | null;
  readonly clock?: VectorClockJson;
  readonly term?: number;
  readonly index?: number;
  readonly servedBy: string;
  readonly stale: boolean;
}

const fromVersion = (
  key: string,
  version: StoredVersion | undefined,
  servedBy: string,
  stale: boolean,
): ReadResult =>
  version
    ? {
        key,
        value: version.value,
        clock: version.clock,
        term: version.term,
        index: version.index,
        servedBy,
        stale,
      }
    : { key, value: null, servedBy, stale };

interface Problem {
  code?: string;
  detail?: string;
  outcome?: 'not_applied' | 'indeterminate';
  [member: string]: unknown;
}

/** The header a follower sets when it forwards: the leader never forwards again (no loops). */
export const forwardedHeader = 'x-ring-forwarded-by';

/**
 * The ring's use cases, as a client sees them. Any node takes any request:
 * the leader serves it, a follower forwards it to the leader it knows and
 * passes the answer back. Each served operation is recorded for /check.
 */
export class RingService {
  readonly forwardedCount = { writes: 0, reads: 0 };

  readonly node: RingEngine;
  readonly history: History<RingInput, RingOutput>;
  private readonly forwardTimeoutMs: number;

  constructor(node: RingEngine, history: History<RingInput, RingOutput>, forwardTimeoutMs: number) {
    this.node = node;
    this.history = history;
    this.forwardTimeoutMs = forwardTimeoutMs;
  }

  put(key: string, value: string, requestId: string, forwardedBy?: string): Promise<WriteResult> {
    return this.record(requestId, 'write', { key, value }, () => this.write(key, value, forwardedBy));
  }

  remove(key: string, requestId: string, forwardedBy?: string): Promise<WriteResult> {
    return this.record(requestId, 'delete', { key }, () => this.write(key, null, forwardedBy));
  }

  /** Linearizable by default (the leader confirms it still leads); `stale` reads this replica as it is. */
  async get(key: string, stale: boolean, requestId: string, forwardedBy?: string): Promise<ReadResult> {
    if (stale) {
      return this.record(requestId, 'stale-read', { key }, async () =>
        fromVersion(key, await this.node.readLocal(key), this.node.id, true),
      );
    }
    return this.record(requestId, 'read', { key }, async () => {
      if (this.node.canServe) {
        return fromVersion(key, await this.node.readLinearizable(key), this.node.id, false);
      }
      this.forwardedCount.reads += 1;
      const reply = await this.forward<ReadWire>('GET', key, undefined, forwardedBy, false);
      if (reply.status === 404) return { key, value: null, servedBy: reply.leaderId, stale: false };
      const body = reply.body;
      return {
        key,
        value: body.value,
        clock: body.clock,
        term: body.term,
        index: body.index,
        servedBy: body.servedBy,
        stale: false,
      };
    });
  }

  /** Records the operation in the history (its outcome from the error, if any) and returns its full result. */
  private async record<T extends RingOutput>(
    requestId: string,
    kind: string,
    input: RingInput,
    operation: () => Promise<T>,
  ): Promise<T> {
    return recorded(this.history, requestId, kind, input, operation, (result): RingOutput => result);
  }

  private async write(key: string, value: string | null, forwardedBy?: string): Promise<WriteResult> {
    if (this.node.canServe) {
      const { term, index, clock, replaces } = await this.node.propose(key, value);
      return {
        key,
        value,
        clock,
        term,
        index,
        leaderId: this.node.id,
        replaces: replaces && {
          ...replaces,
          relation: compare(fromJSON(clock), fromJSON(replaces.clock)),
        },
      };
    }
    this.forwardedCount.writes += 1;
    const reply = await this.forward<WriteResult>(
      value === null ? 'DELETE' : 'PUT',
      key,
      value === null ? undefined : { value },
      forwardedBy,
      true,
    );
    return reply.body;
  }

  /**
   * Sends the request on to the leader. Not delivered -> 503 NO_QUORUM
   * (nothing happened); delivered but no answer -> 504 for a write (it may
   * have committed), 503 for a read; an error answer is passed back as is.
   */
  private async forward<T>(
    method: 'GET' | 'PUT' | 'DELETE',
    key: string,
    body: unknown,
    forwardedBy: string | undefined,
    isWrite: boolean,
  ): Promise<{ status: number; body: T; leaderId: string }> {
    const leaderId = this.node.currentLeader;
    const extras = { node: this.node.id, leaderId };
    if (forwardedBy !== undefined) {
      throw new AppError('NO_QUORUM', `${this.node.id} is not the leader (forwarded by ${forwardedBy}).`, {
        extras,
      });
    }
    const peer = leaderId ? this.node.peer(leaderId) : undefined;
    if (!leaderId || !peer) {
      throw new AppError('NO_QUORUM', `${this.node.id} knows no leader (term ${this.node.status().term}).`, {
        extras,
      });
    }
    const reply = await peer.send<T | Problem>(
      method,
      `/kv/${encodeURIComponent(key)}`,
      body,
      this.forwardTimeoutMs,
      {
        [forwardedHeader]: this.node.id,
      },
    );
    if (reply.kind === 'unreachable') {
      throw new AppError('NO_QUORUM', `The leader ${leaderId} is unreachable: ${reply.reason}.`, { extras });
    }
    if (reply.kind === 'timeout') {
      if (isWrite) {
        throw new AppError(
          'COMMIT_UNKNOWN',
          `The leader ${leaderId} did not answer in time: ${reply.reason}.`,
          {
            extras,
          },
        );
      }
      throw new AppError('NO_QUORUM', `The leader ${leaderId} did not answer in time.`, { extras });
    }
    if (reply.status === 200) return { status: 200, body: reply.body as T, leaderId };
    const problem = (reply.body ?? {}) as Problem;
    if (reply.status === 404 && problem.code === 'KEY_NOT_FOUND') {
      return { status: 404, body: reply.body as T, leaderId };
    }
    const { code, detail, outcome } = problem;
    // The leader runs this same code, so its codes are ours; one we do not know becomes INTERNAL.
    throw new AppError(
      (code ?? 'INTERNAL') as ErrorCode,
      `via leader ${leaderId}: ${detail ?? 'no detail'}`,
      {
        extras: { ...extras, forwarded: true },
        ...(outcome ? { outcome } : {}),
      },
    );
  }
}

interface ReadWire {
  value: string;
  clock: VectorClockJson;
  term: number;
  index: number;
  servedBy: string;
}

import type { ChaosFault, LinkControl, ReadinessCheck } from '@kvs-lab/shared/service';
import type { ProtocolMessage } from './domain/attempt-view.ts';
import type { LockOrder } from './domain/lock-order.ts';
import type { LockView } from './domain/lock-view.ts';
import { RecentSamples } from './domain/percentiles.ts';
import type { WaitHistogram } from './domain/wait-histogram.ts';

/**
 * The one port of this pattern: what the routes, /stats and /metrics ask of
 * a lock engine. Redlock over independent Redis nodes (engines/redlock) is the
 * lesson; etcd (engines/etcd) is the same contract on a consensus store.
 * app.ts picks one from ENGINE; nothing else knows which.
 */
export interface LockBackend {
  /** How many votes exist and how many a lease needs (5/3 for Redlock, 3/2 for etcd members). */
  readonly nodeCount: number;
  readonly quorum: number;
  readonly stats: LockStats;
  readonly waitHistogram: WaitHistogram;
  /** Waiters queued through this instance now. */
  readonly waiting: number;
  /** POST /locks/{resource}: at once (waitMs 0) or after waiting in the FIFO queue. Refusals throw AppError. */
  acquire(input: AcquireInput): Promise<Lease>;
  extend(
    resource: string,
    token: string,
    ttlMs: number,
  ): Promise<{ validityMs: number; expiresAtMs: number }>;
  release(resource: string, token: string): Promise<void>;
  /** POST /locks: all or nothing, in `order`, every lease still valid when answered. */
  acquireMany(input: AcquireManyInput): Promise<Lease[]>;
  view(resource: string): Promise<LockView>;
  /** The fencing token of a lease granted here, if it is still known. */
  fencingTokenOf(token: string): number | null;
  /** Per node (lock node or etcd member): calls, errors, latency, for /stats and /metrics. */
  nodeFigures(): NodeFigures[];
  close(): void;
}

/** An engine as app.ts wires it: the port plus what the kit needs to know about its nodes. */
export interface LockEngine {
  readonly backend: LockBackend;
  /** One line for /docs: what grants a lease and where the fencing token comes from. */
  readonly description: string;
  readonly readiness: readonly ReadinessCheck[];
  readonly links: readonly LinkControl[];
  readonly faults: readonly ChaosFault[];
  /** The nodes for the live view's badges. */
  nodeStatus(): { node: string; isUp: boolean }[];
  close(): Promise<void>;
}

/**
 * Where an engine records the messages of its protocol for GET /trace (the kit's TraceLog
 * behind it): a push into a bounded array. Whole fan-outs are taken or skipped by a per-second
 * budget, so a hot path hands over `lazily` how many messages it has and how to build them:
 * under a benchmark's flood most are skipped and never built.
 */
export interface TraceMessages {
  (messages: readonly ProtocolMessage[]): void;
  lazily(count: number, build: () => readonly ProtocolMessage[]): void;
}

/** A trace that records nothing (a backend built without one, in tests). */
export const noTrace: TraceMessages = Object.assign(() => undefined, { lazily: () => undefined });

export interface Clock {
  /** Wall-clock ms, for expiresAt and the history. */
  nowMs(): number;
  /** Monotonic ms, for measuring how long an attempt took. */
  monotonicMs(): number;
}

export interface Lease {
  readonly resource: string;
  /** The lease's secret: whoever has it may extend and release. */
  readonly token: string;
  readonly fencingToken: number;
  readonly owner: string;
  readonly instance: string;
  readonly validityMs: number;
  readonly expiresAtMs: number;
  readonly waitedMs: number;
  readonly nodes: readonly string[];
}

export interface AcquireInput {
  readonly resource: string;
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly owner: string;
}

export interface AcquireManyInput {
  readonly resources: readonly string[];
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly owner: string;
  readonly order: LockOrder;
  readonly stepDelayMs: number;
}

export interface NodeFigures {
  readonly node: string;
  readonly isUp: boolean;
  readonly calls: number;
  readonly errors: number;
  readonly lastError: string | null;
  readonly latencyMs: { count: number; p50: number; p99: number };
}

/** The figures /stats and /metrics show, counted the same way by every engine. */
export function newLockStats() {
  return {
    acquisitions: 0,
    contention: 0,
    timeouts: 0,
    releases: 0,
    extensions: 0,
    expiries: 0,
    lost: 0,
    notHolder: 0,
    quorumUnavailable: 0,
    /** Acquire requests by how they ended, for /metrics. */
    outcomes: { granted: 0, held: 0, timeout: 0, unavailable: 0, tooSlow: 0 },
    waitMs: new RecentSamples(1_000),
  };
}
export type LockStats = ReturnType<typeof newLockStats>;

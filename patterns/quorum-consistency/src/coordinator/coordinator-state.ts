import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import type { ReplicaWriteResult, WriteTally } from '../domain/quorum.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import type { RecentRequests } from '../realtime/recent-requests.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { QuorumSettings } from '../settings.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import type { CounterHighWater } from './counter-high-water.ts';
import type { HintedHandoff } from './hinted-handoff.ts';

export interface WriteOutcome {
  readonly key: string;
  readonly clock: VectorClock;
  readonly tally: WriteTally;
  readonly replicas: readonly ReplicaWriteResult[];
  readonly hinted: readonly { target: string; heldBy: string }[];
}

export interface ReadOutcome {
  readonly key: string;
  /** Every surviving version, tombstones included. */
  readonly survivors: readonly StoredVersion[];
  readonly context: VectorClock;
  readonly answeredBy: readonly string[];
  readonly failed: readonly string[];
  readonly repaired: readonly string[];
}

export interface QuorumServiceDeps {
  /** This coordinator's name: the node id in the clocks of the writes it coordinates. */
  readonly actor: string;
  readonly settings: QuorumSettings;
  readonly maxClockEntries: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly handoff: HintedHandoff;
  readonly emit: LiveEmit;
  /** The protocol's messages, for GET /trace. */
  readonly trace: TraceMessages;
  /** The last requests' fan-outs, for the live view. */
  readonly requests: RecentRequests;
  readonly onConfigured?: (settings: QuorumSettings) => void;
}

/** This coordinator's figures since it started, for GET /stats. */
export interface CoordinatorCounters {
  writes: number;
  writesFailed: number;
  reads: number;
  readsFailed: number;
  readsWithSiblings: number;
  readRepairs: number;
}

/**
 * What the write path and the read path share: the replicas, the
 * coordinator's dependencies, its counters and its per-key counter high-water
 * mark. The settings are passed per request (a snapshot taken as it starts).
 */
export interface CoordinatorState {
  readonly replicas: readonly ReplicaStore[];
  readonly deps: QuorumServiceDeps;
  readonly counters: CoordinatorCounters;
  readonly highWater: CounterHighWater;
}

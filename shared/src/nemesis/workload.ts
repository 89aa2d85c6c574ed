import type { FaultKind } from './fault-schedule.ts';

/** How one client operation ended, in the words every checker uses. */
export type OperationOutcome = 'ok' | 'fail' | 'indeterminate';

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Talks to one pattern's service instances by name; the admin token is added when the lab has one. */
export interface NemesisClient {
  readonly services: readonly string[];
  request(service: string, method: string, path: string, body?: unknown): Promise<HttpAnswer>;
}

export interface WorkloadContext {
  readonly client: NemesisClient;
  /** This worker's own stream, derived from the run's seed and the worker's index. */
  readonly random: () => number;
  readonly worker: number;
  /** The run's seed: name keys after it so one run's data never meets another's. */
  readonly seed: number;
  /** The variant this run plays, if any: some variants change what clients ask for, not a setting. */
  readonly variant: string | undefined;
  /** Operations this worker has started, from 0: handy for unique keys and values. */
  readonly sequence: number;
}

/** A setting the lab already offers, switched on before a run to show what breaks without it. */
export interface WorkloadVariant {
  readonly description: string;
  /** Applied before the history is cleared and the workload starts; undone by `reset`. */
  readonly apply?: (client: NemesisClient) => Promise<void>;
}

/** One instance's `/check` answer. */
export interface CheckAnswer {
  readonly valid: boolean;
  readonly summary: string;
  readonly details?: unknown;
}

/**
 * What a pattern tells the nemesis: the operations its clients run, which processes and
 * links faults may hit, and the settings that break it on purpose. The runner, the
 * scheduler and the report are the kit's; this is the pattern's whole part.
 */
export interface NemesisWorkload {
  readonly pattern: string;
  /** Faults that make sense here, used when `--faults` is not given. */
  readonly defaultFaults: readonly FaultKind[];
  /**
   * Process names (as `lab status` shows them) that kill/pause/restart may hit, or logical
   * names that `resolveProcess` turns into one when the fault lands (e.g. "the master of shard-2").
   */
  readonly faultyProcesses: readonly string[];
  /** Which process a logical target names right now; roles move after a failover. */
  readonly resolveProcess?: (target: string, client: NemesisClient) => Promise<string>;
  /** Service -> Redis node links that cut/slow may hit (`/chaos/links/{node}` on that service). */
  readonly faultyLinks?: readonly { readonly service: string; readonly node: string }[];
  readonly variants?: Readonly<Record<string, WorkloadVariant>>;
  /** Puts the defaults back before each run (settings a variant or a learner changed). */
  readonly reset?: (client: NemesisClient) => Promise<void>;
  /** One client operation; throwing counts as `indeterminate`. */
  readonly operation: (context: WorkloadContext) => Promise<OperationOutcome>;
  /**
   * A stricter reading of a valid verdict for this run, when the checker counts a loss the
   * pattern allows (writes lost in an async window) that the nemesis should still report:
   * the sentence saying what broke, or undefined.
   */
  readonly judge?: (answer: CheckAnswer, variant: string | undefined) => string | undefined;
  /** Seconds to let the pattern settle after healing, before /check (repairs, failovers). */
  readonly settleSeconds?: number;
}

/** The usual mapping from an HTTP answer to an outcome: 2xx ok, 504 unknown, 503 as the problem says. */
export function outcomeOf(answer: HttpAnswer): OperationOutcome {
  if (answer.status >= 200 && answer.status < 300) return 'ok';
  if (answer.status === 504) return 'indeterminate';
  const outcome =
    typeof answer.body === 'object' && answer.body !== null && 'outcome' in answer.body
      ? answer.body.outcome
      : undefined;
  return outcome === 'indeterminate' ? 'indeterminate' : 'fail';
}

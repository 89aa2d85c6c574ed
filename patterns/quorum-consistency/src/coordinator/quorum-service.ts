import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { checkQuorumSizes } from '../domain/quorum.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import { AppError } from '../errors.ts';
import type { QuorumSettings } from '../settings.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import type {
  CoordinatorCounters,
  CoordinatorState,
  QuorumServiceDeps,
  ReadOutcome,
  WriteOutcome,
} from './coordinator-state.ts';
import { CounterHighWater } from './counter-high-water.ts';
import { coordinateRead } from './read-path.ts';
import { coordinateWrite } from './write-path.ts';

export type { QuorumServiceDeps, ReadOutcome, WriteOutcome } from './coordinator-state.ts';

/**
 * The coordinator. Any instance serves any key: a write goes to all N
 * replicas and succeeds with W acknowledgements (write-path.ts); a read asks
 * R replicas, resolves their versions and repairs what a replica missed on
 * the way (read-path.ts). Both share one state: the replicas, the counters
 * and the per-key counter high-water mark.
 */
export class QuorumService {
  readonly replicas: readonly ReplicaStore[];
  readonly counters: CoordinatorCounters;
  private current: QuorumSettings;
  private readonly state: CoordinatorState;

  constructor(replicas: readonly ReplicaStore[], deps: QuorumServiceDeps) {
    this.replicas = replicas;
    this.current = deps.settings;
    this.counters = {
      writes: 0,
      writesFailed: 0,
      reads: 0,
      readsFailed: 0,
      readsWithSiblings: 0,
      readRepairs: 0,
    };
    this.state = {
      replicas,
      deps,
      counters: this.counters,
      highWater: new CounterHighWater(replicas, deps.actor, deps.maxClockEntries),
    };
  }

  get n(): number {
    return this.replicas.length;
  }

  get settings(): QuorumSettings {
    return this.current;
  }

  /** Changes the settings; W and R are checked against N. */
  configure(change: Partial<QuorumSettings>): QuorumSettings {
    const next = { ...this.current, ...change };
    this.assertQuorum(next.w, next.r);
    this.current = next;
    this.state.deps.onConfigured?.(next);
    this.state.deps.emit('config:changed', next);
    return next;
  }

  /** A write (or, with `value` null, a delete) at W: the configured one unless the request names its own. */
  async write(input: {
    key: string;
    value: string | null;
    context: VectorClock;
    w?: number;
    requestId: string;
  }): Promise<WriteOutcome> {
    const settings = this.current;
    const w = input.w ?? settings.w;
    this.assertQuorum(w, settings.r);
    return coordinateWrite(this.state, settings, { ...input, w });
  }

  /** A read at R: the configured one unless the request names its own. */
  async read(input: { key: string; r?: number; requestId: string }): Promise<ReadOutcome> {
    const settings = this.current;
    const r = input.r ?? settings.r;
    this.assertQuorum(settings.w, r);
    return coordinateRead(this.state, settings, { ...input, r });
  }

  /** Each replica's raw versions of a key, as stored: for learners, no quorum, no repair. */
  async rawReplicas(key: string) {
    return Promise.all(
      this.replicas.map(async (replica) => {
        try {
          return { node: replica.name, isUp: true, versions: await replica.readVersions(key) };
        } catch {
          return { node: replica.name, isUp: false, versions: [] as StoredVersion[] };
        }
      }),
    );
  }

  private assertQuorum(w: number, r: number): void {
    const check = checkQuorumSizes({ n: this.n, w, r });
    if (!check.ok) throw new AppError('INVALID_QUORUM', check.reason, { extras: { n: this.n, w, r } });
  }
}

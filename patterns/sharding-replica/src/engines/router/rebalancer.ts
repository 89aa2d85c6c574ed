import { setTimeout as sleep } from 'node:timers/promises';
import { ownerOf, ownershipShare } from '@kvs-lab/shared/hashing';
import type { HashRing } from '@kvs-lab/shared/hashing';

import { isMoving, planMoves } from '../../domain/rebalance-plan.ts';
import { nextStandby, withShardActive } from '../../domain/shard-map.ts';
import type { ClusterState } from './cluster-state.ts';
import type { EngineDeps } from '../../engine-deps.ts';
import { KeyLocks } from './key-locks.ts';
import type { RebalanceView, ShardingEvents } from '../../realtime/events.ts';
import { routingId } from '../../store/keys.ts';
import type { RoutingKey } from '../../store/keys.ts';
import { nodeStore } from './node-store.ts';
import { AppError } from '../../errors.ts';

interface RebalanceRun {
  id: number;
  kind: 'add' | 'drain';
  shard: string;
  trigger: 'api' | 'autoscale';
  before: HashRing;
  after: HashRing;
  status: 'running' | 'done';
  /** Routing keys already on their new owner; cleared when the run ends. */
  moved: Set<string>;
  /** Keys this run moves: those found on their old owners, plus any a request moved before the scan reached it. */
  planned: number | undefined;
  keysMoved: number;
  keysTouched: number;
  movedTo: Record<string, number>;
  movedFrom: Record<string, number>;
  errors: number;
  lastError: string | undefined;
  startedAt: number;
  finishedAt: number | undefined;
}

const moveWorkers = 8;
const retryDelayMs = 200;

/**
 * Rebalancing with the router as coordinator (as Codis does). When a shard
 * joins or leaves, the router routes every key whose owner changes through a
 * per-key lock: the first access moves the key to its new owner (DUMP,
 * RESTORE, DEL), then serves it there; meanwhile a background sweep moves the
 * rest. A key is thus always on exactly one master, old before its move and
 * new after, and only keys whose owner changed ever move.
 */
export class Rebalancer {
  private run: RebalanceRun | undefined;
  private nextId = 1;
  private readonly locks = new KeyLocks();
  // Operations routed by the ring alone, by epoch: a rebalance waits for those begun before it.
  private epoch = 0;
  private readonly inflight = new Map<number, number>();
  private sweep: Promise<void> | undefined;

  private readonly state: ClusterState;
  private readonly options: EngineDeps;

  constructor(state: ClusterState, options: EngineDeps) {
    this.state = state;
    this.options = options;
  }

  get isRunning(): boolean {
    return this.run?.status === 'running';
  }

  /** Runs `fn` against the shard that owns `routing` now, moving the key first if a rebalance moves it. */
  async routed<T>(routing: RoutingKey, fn: (shardId: string) => Promise<T>): Promise<T> {
    const run = this.run;
    if (run?.status === 'running' && isMoving(routing.name, run.before, run.after)) {
      return this.locks.withLock(routingId(routing), async () => {
        await this.ensureMoved(run, routing);
        return fn(ownerOf(run.after, routing.name));
      });
    }
    const epoch = this.epoch;
    this.inflight.set(epoch, (this.inflight.get(epoch) ?? 0) + 1);
    try {
      return await fn(ownerOf(this.state.map.ring, routing.name));
    } finally {
      this.inflight.set(epoch, (this.inflight.get(epoch) ?? 1) - 1);
    }
  }

  /** Starts adding the next standby shard (scale out). Resolves once the run has started, not finished. */
  startAdd(trigger: 'api' | 'autoscale'): RebalanceView {
    this.refuseIfRunning();
    const standby = nextStandby(this.state.map);
    if (!standby) throw new AppError('NO_STANDBY_SHARD', 'Every shard is already on the ring.');
    return this.begin('add', standby.id, trigger);
  }

  /** Starts draining `shardId`: its keys move to the shards that own them without it. */
  startDrain(shardId: string): RebalanceView {
    this.refuseIfRunning();
    const shard = this.state.shard(shardId);
    if (!shard.isActive) {
      throw new AppError('SHARD_NOT_ACTIVE', `${shardId} is not on the ring.`, {
        extras: { shard: shardId },
      });
    }
    if (this.state.map.ring.nodes.length <= 1) {
      throw new AppError('LAST_SHARD', `${shardId} is the only shard on the ring.`, {
        extras: { shard: shardId },
      });
    }
    return this.begin('drain', shardId, 'api');
  }

  view(): RebalanceView | undefined {
    const run = this.run;
    if (!run) return undefined;
    const { before: _b, after: _a, moved: _m, ...rest } = run;
    return { ...rest, movedTo: { ...run.movedTo }, movedFrom: { ...run.movedFrom } };
  }

  /** Waits for the running sweep (tests and shutdown). */
  async settled(): Promise<void> {
    await this.sweep;
  }

  /** The shard a key's state says it is joining or leaving, for the status view. */
  transition(): { shard: string; kind: 'add' | 'drain' } | undefined {
    return this.run?.status === 'running' ? { shard: this.run.shard, kind: this.run.kind } : undefined;
  }

  private refuseIfRunning(): void {
    if (this.isRunning) {
      throw new AppError(
        'REBALANCE_IN_PROGRESS',
        'Wait for the running rebalance to finish (GET /rebalance).',
      );
    }
  }

  private begin(kind: 'add' | 'drain', shard: string, trigger: 'api' | 'autoscale'): RebalanceView {
    const before = this.state.map.ring;
    const after = withShardActive(this.state.map, shard, kind === 'add').ring;
    const run: RebalanceRun = {
      id: this.nextId++,
      kind,
      shard,
      trigger,
      before,
      after,
      status: 'running',
      moved: new Set(),
      planned: undefined,
      keysMoved: 0,
      keysTouched: 0,
      movedTo: {},
      movedFrom: {},
      errors: 0,
      lastError: undefined,
      startedAt: this.options.now(),
      finishedAt: undefined,
    };
    this.run = run;
    const previousEpoch = this.epoch;
    this.epoch += 1;
    this.sweep = this.sweepAll(run, previousEpoch).catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'rebalance sweep crashed');
    });
    this.options.emit('rebalance:progress', this.view() as RebalanceView);
    return this.view() as RebalanceView;
  }

  private async sweepAll(run: RebalanceRun, previousEpoch: number): Promise<void> {
    // Requests routed by the old ring alone may still be writing a moving key to its old owner: let them land first.
    while ((this.inflight.get(previousEpoch) ?? 0) > 0) await sleep(2);
    this.inflight.delete(previousEpoch);

    const pending: RoutingKey[] = [];
    for (const shardId of run.before.nodes) {
      const found = await this.retrying(run, () => nodeStore.scanRoutingKeys(this.masterOf(shardId)));
      const moving = new Set(
        planMoves(
          found.map((r) => r.name),
          shardId,
          run.before,
          run.after,
        ).map((move) => move.key),
      );
      pending.push(...found.filter((routing) => moving.has(routing.name)));
    }
    // Keys a request touched before the scan reached them have moved already; they count in the plan too.
    run.planned = pending.filter((r) => !run.moved.has(routingId(r))).length + run.keysMoved;
    this.options.emit('rebalance:progress', this.view() as RebalanceView);

    let next = 0;
    let lastEmit = this.options.now();
    await Promise.all(
      Array.from({ length: moveWorkers }, async () => {
        while (next < pending.length) {
          const routing = pending[next++] as RoutingKey;
          await this.retrying(run, () =>
            this.locks.withLock(routingId(routing), () => this.ensureMoved(run, routing)),
          );
          if (this.options.now() - lastEmit > 250) {
            lastEmit = this.options.now();
            this.options.emit('rebalance:progress', this.view() as RebalanceView);
          }
        }
      }),
    );

    // Every key that moves is now on its new owner: the new ring becomes the ring.
    this.state.map = withShardActive(this.state.map, run.shard, run.kind === 'add');
    run.status = 'done';
    run.finishedAt = this.options.now();
    run.moved = new Set();
    this.options.emit('rebalance:progress', this.view() as RebalanceView);
    this.options.emit('ring:changed', ringEvent(this.state.map.ring));
  }

  /** Moves one routing key unless it already moved; the caller holds its lock. */
  private async ensureMoved(run: RebalanceRun, routing: RoutingKey): Promise<void> {
    const id = routingId(routing);
    if (run.moved.has(id)) return;
    const from = ownerOf(run.before, routing.name);
    const to = ownerOf(run.after, routing.name);
    const [source, target] = [this.masterOf(from), this.masterOf(to)];
    const didMove = await nodeStore.moveKey(source, target, routing);
    run.moved.add(id);
    run.keysTouched += 1;
    if (didMove) {
      run.keysMoved += 1;
      run.movedTo[to] = (run.movedTo[to] ?? 0) + 1;
      run.movedFrom[from] = (run.movedFrom[from] ?? 0) + 1;
      // The router carries it (DUMP, RESTORE, DEL), but what the protocol does is move it master to master.
      const detail = {
        key: routing.name,
        kind: routing.kind,
        fromShard: from,
        toShard: to,
        rebalance: run.id,
      };
      this.options.trace([{ from: source.name, to: target.name, kind: 'migrate-key', detail }]);
    }
  }

  /** A move or scan that fails (a master is down until failover) is retried until it succeeds: giving up would strand keys. */
  private async retrying<T>(run: RebalanceRun, step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        run.errors += 1;
        run.lastError = error instanceof Error ? error.message : String(error);
        await sleep(retryDelayMs);
      }
    }
  }

  private masterOf(shardId: string) {
    return this.state.node(this.state.shard(shardId).master);
  }
}

/** The ring as the live view draws it. */
export function ringEvent(ring: HashRing): ShardingEvents['ring:changed'] {
  const shares = { ...ownershipShare(ring) };
  return {
    virtualNodes: ring.virtualNodes,
    points: ring.points.map((p) => ({ shard: p.node, position: p.position })),
    shares,
  };
}

import { planScaleOut } from '../../domain/slot-map.ts';
import type { EngineDeps } from '../../engine-deps.ts';
import { routerNode } from '../../protocol-trace.ts';
import type { RebalanceView } from '../../realtime/events.ts';
import type { SlotRouter } from './slot-router.ts';
import { AppError } from '../../errors.ts';

const keysPerMigrate = 100;
const migrateTimeoutMs = 2_000;
const slotWorkers = 16;

/** What GET /rebalance shows on the cluster: slots and keys moved, and the redirections clients met. */
export interface SlotMigration extends RebalanceView {
  readonly slotsPlanned: number;
  readonly slotsMoved: number;
  readonly redirections: { readonly moved: number; readonly ask: number; readonly tryAgain: number };
}

/** The run as this class updates it; readers get a copy through view(). */
type MigrationRun = {
  -readonly [K in keyof Omit<SlotMigration, 'redirections' | 'movedTo'>]: SlotMigration[K];
} & {
  movedTo: Record<string, number>;
  redirectionsAtStart: SlotRouter['redirections'];
};

/** The engine's deps, and how to name a node by its address in the trace. */
type MigratorDeps = EngineDeps & { readonly nameAt: (address: string) => string };

/**
 * Resharding as the Redis Cluster specification describes it, one slot at a time while clients keep
 * working: the target marks the slot IMPORTING, the source MIGRATING (from then on the source answers
 * ASK for a key it no longer has), MIGRATE moves the slot's keys in batches, and SETSLOT NODE hands the
 * slot over on both nodes and every master (from then on the old owner answers MOVED).
 */
export class SlotMigrator {
  private run:
    (Omit<SlotMigration, 'redirections'> & { redirectionsAtStart: SlotRouter['redirections'] }) | undefined;
  private nextId = 1;
  private sweep: Promise<void> | undefined;
  private readonly router: SlotRouter;
  private readonly options: MigratorDeps;

  constructor(router: SlotRouter, options: MigratorDeps) {
    this.router = router;
    this.options = options;
  }

  get isRunning(): boolean {
    return this.run?.status === 'running';
  }

  view(): SlotMigration | undefined {
    const run = this.run;
    if (!run) return undefined;
    const { redirectionsAtStart, ...rest } = run;
    const now = this.router.redirections;
    return {
      ...rest,
      movedTo: { ...rest.movedTo },
      redirections: {
        moved: now.moved - redirectionsAtStart.moved,
        ask: now.ask - redirectionsAtStart.ask,
        tryAgain: now.tryAgain - redirectionsAtStart.tryAgain,
      },
    };
  }

  /** Starts moving a fair share of slots onto `target` (a master with none); resolves once started. */
  start(target: { shard: string; address: string }, trigger: 'api' | 'autoscale'): SlotMigration {
    if (this.isRunning) {
      throw new AppError(
        'REBALANCE_IN_PROGRESS',
        'Wait for the running migration to finish (GET /rebalance).',
      );
    }
    const moves = planScaleOut(this.router.ranges, target.address);
    const run: MigrationRun = {
      id: this.nextId++,
      kind: 'add',
      shard: target.shard,
      trigger,
      status: 'running',
      planned: undefined,
      keysMoved: 0,
      keysTouched: 0,
      movedTo: {},
      errors: 0,
      lastError: undefined,
      startedAt: this.options.now(),
      finishedAt: undefined,
      slotsPlanned: moves.length,
      slotsMoved: 0,
      redirectionsAtStart: { ...this.router.redirections },
    };
    this.run = run;
    this.sweep = this.migrateAll(run, target, moves).catch((error: unknown) => {
      run.errors += 1;
      run.lastError = error instanceof Error ? error.message : String(error);
      run.status = 'done';
      run.finishedAt = this.options.now();
      this.options.logger.error({ err: error }, 'slot migration stopped');
    });
    return this.view() as SlotMigration;
  }

  async settled(): Promise<void> {
    await this.sweep;
  }

  private async migrateAll(
    run: MigrationRun,
    target: { shard: string; address: string },
    moves: readonly { slot: number; from: string }[],
  ): Promise<void> {
    const ids = new Map<string, string>();
    const idOf = async (address: string) => {
      const known = ids.get(address);
      if (known) return known;
      const id = String(await (await this.router.adminAt(address)).run((c) => c.call('CLUSTER', 'MYID')));
      ids.set(address, id);
      return id;
    };
    const targetNode = await this.router.adminAt(target.address);
    const [host, port] = [targetNode.address.host, targetNode.address.port];
    const masters = [...new Set(this.router.ranges.map((r) => r.master)), target.address];
    const targetId = await idOf(target.address);
    let lastEmit = this.options.now();
    let next = 0;
    // Slots are independent: several move at once, each through the same five steps.
    await Promise.all(
      Array.from({ length: slotWorkers }, async () => {
        while (next < moves.length) {
          const { slot, from } = moves[next++] as { slot: number; from: string };
          await this.moveSlot(
            run,
            slot,
            { address: from, id: await idOf(from) },
            {
              shard: target.shard,
              address: target.address,
              id: targetId,
              host,
              port,
            },
            masters,
          );
          if (this.options.now() - lastEmit > 250) {
            lastEmit = this.options.now();
            // No refresh of the client's slot map here: like a real cluster client, it learns a handed-over
            // slot from the MOVED it meets (or the monitor's next CLUSTER SLOTS), which is what the lesson shows.
            this.options.emit('rebalance:progress', this.view() as SlotMigration);
          }
        }
      }),
    );
    await this.router.refresh();
    run.status = 'done';
    run.finishedAt = this.options.now();
    this.options.emit('rebalance:progress', this.view() as SlotMigration);
  }

  /** One slot: IMPORTING on the target, MIGRATING on the source, MIGRATE its keys in batches, then SETSLOT NODE. */
  private async moveSlot(
    run: MigrationRun,
    slot: number,
    from: { address: string; id: string },
    target: { shard: string; address: string; id: string; host: string; port: number },
    masters: readonly string[],
  ): Promise<void> {
    const source = await this.router.adminAt(from.address);
    const targetNode = await this.router.adminAt(target.address);
    const [sourceName, targetName] = [this.options.nameAt(from.address), this.options.nameAt(target.address)];
    const setslot = (state: string) => [
      { from: routerNode, to: targetName, kind: `SETSLOT ${state}`, detail: { slot, from: sourceName } },
      {
        from: routerNode,
        to: sourceName,
        kind: `SETSLOT ${state === 'IMPORTING' ? 'MIGRATING' : state}`,
        detail: { slot, to: targetName },
      },
    ];
    this.options.trace(setslot('IMPORTING'));
    await targetNode.run((c) => c.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id));
    await source.run((c) => c.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id));
    for (;;) {
      const keys = (await source.run((c) =>
        c.call('CLUSTER', 'GETKEYSINSLOT', slot, keysPerMigrate),
      )) as string[];
      if (keys.length === 0) break;
      await source.run((c) =>
        c.call('MIGRATE', target.host, target.port, '', 0, migrateTimeoutMs, 'KEYS', ...keys),
      );
      this.options.trace([
        { from: sourceName, to: targetName, kind: 'MIGRATE', detail: { slot, keys: keys.length } },
      ]);
      run.keysMoved += keys.length;
      run.keysTouched += keys.length;
      run.movedTo[target.shard] = run.keysMoved;
    }
    // The new owner first (it bumps its config epoch), then the old one; the rest at once (gossip would tell them later).
    this.options.trace(setslot('NODE'));
    await targetNode.run((c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id));
    await source.run((c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id));
    await Promise.all(
      masters
        .filter((m) => m !== target.address && m !== from.address)
        .map(async (address) => {
          try {
            await (
              await this.router.adminAt(address)
            ).run((c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id));
          } catch (error) {
            // A master that is down learns the new owner from gossip when it returns.
            run.errors += 1;
            run.lastError = error instanceof Error ? error.message : String(error);
          }
        }),
    );
    run.slotsMoved += 1;
  }
}

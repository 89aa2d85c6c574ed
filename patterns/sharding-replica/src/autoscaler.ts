import { decideAutoscale } from './domain/autoscale-policy.ts';
import type { AutoscaleDecision, AutoscaleSettings } from './domain/autoscale-policy.ts';
import type { Emit } from './realtime/events.ts';
import type { ShardStore } from './shard-store.ts';

/**
 * The autoscaling loop: after each monitor sample it asks the policy (`domain/autoscale-policy.ts`)
 * whether a shard has stayed over its limits long enough, and if so adds the standby shard.
 */
export class Autoscaler {
  private settings: AutoscaleSettings;
  private breachTicks = 0;
  private lastDecision: AutoscaleDecision | undefined;
  private readonly store: ShardStore;
  private readonly emit: Emit;

  constructor(settings: AutoscaleSettings, store: ShardStore, emit: Emit) {
    this.settings = settings;
    this.store = store;
    this.emit = emit;
  }

  /** New thresholds start a new count of breaching ticks. */
  set(settings: Partial<AutoscaleSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.breachTicks = 0;
  }

  tick(): void {
    const decision = decideAutoscale(this.settings, this.store.loads(), {
      breachTicks: this.breachTicks,
      hasStandby: this.store.standby() !== null,
      isRebalancing: this.store.isRebalancing,
    });
    this.breachTicks = decision.breachTicks;
    this.lastDecision = decision;
    if (decision.kind === 'scale-out') {
      const view = this.store.addShard('autoscale');
      this.emit('autoscale:triggered', { shard: view.shard, reason: decision.reason });
    }
  }

  view() {
    return {
      ...this.settings,
      breachTicks: this.breachTicks,
      lastDecision: this.lastDecision ?? null,
      standby: this.store.standby(),
    };
  }
}

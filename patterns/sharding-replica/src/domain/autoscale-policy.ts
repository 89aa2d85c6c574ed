/**
 * Autoscaling: add the standby shard once a shard has stayed above a
 * threshold (keys held or operations per second) for `sustainTicks`
 * consecutive evaluations. Requiring a sustained breach keeps a burst from
 * triggering a rebalance, which itself loads the cluster.
 */

export interface AutoscaleSettings {
  readonly isEnabled: boolean;
  readonly maxKeysPerShard: number;
  readonly maxOpsPerShard: number;
  readonly sustainTicks: number;
}

export interface ShardLoad {
  readonly shard: string;
  readonly keys: number;
  readonly opsPerSecond: number;
}

export type AutoscaleDecision =
  | { readonly kind: 'hold'; readonly breachTicks: number; readonly reason: string }
  | { readonly kind: 'scale-out'; readonly breachTicks: number; readonly reason: string };

/** One evaluation: the new count of consecutive breaching ticks and whether to add the standby now. */
export function decideAutoscale(
  settings: AutoscaleSettings,
  loads: readonly ShardLoad[],
  state: { readonly breachTicks: number; readonly hasStandby: boolean; readonly isRebalancing: boolean },
): AutoscaleDecision {
  if (!settings.isEnabled) return { kind: 'hold', breachTicks: 0, reason: 'autoscaling is off' };
  const breach = loads.find(
    (l) => l.keys > settings.maxKeysPerShard || l.opsPerSecond > settings.maxOpsPerShard,
  );
  if (!breach) return { kind: 'hold', breachTicks: 0, reason: 'every shard is under its thresholds' };
  const breachTicks = state.breachTicks + 1;
  const what = `${breach.shard} holds ${breach.keys} keys at ${Math.round(breach.opsPerSecond)} ops/s (limits ${settings.maxKeysPerShard} keys, ${settings.maxOpsPerShard} ops/s)`;
  if (!state.hasStandby)
    return { kind: 'hold', breachTicks, reason: `${what}, but no standby shard is left` };
  if (state.isRebalancing)
    return { kind: 'hold', breachTicks, reason: `${what}; a rebalance is already running` };
  if (breachTicks < settings.sustainTicks) {
    return {
      kind: 'hold',
      breachTicks,
      reason: `${what} for ${breachTicks} of ${settings.sustainTicks} ticks`,
    };
  }
  return { kind: 'scale-out', breachTicks: 0, reason: `${what} for ${breachTicks} ticks` };
}

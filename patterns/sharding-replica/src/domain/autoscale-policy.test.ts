import { describe, expect, it } from 'vitest';
import { decideAutoscale } from './autoscale-policy.ts';

const settings = { isEnabled: true, maxKeysPerShard: 100, maxOpsPerShard: 1000, sustainTicks: 2 };
const hot = [{ shard: 'shard-1', keys: 150, opsPerSecond: 10 }];
const calm = [{ shard: 'shard-1', keys: 50, opsPerSecond: 10 }];
const idle = { breachTicks: 0, hasStandby: true, isRebalancing: false };

describe('autoscale policy', () => {
  it('when off, then it never scales out', () => {
    expect(decideAutoscale({ ...settings, isEnabled: false }, hot, idle).kind).toBe('hold');
  });

  it('when a shard stays above a threshold for the sustain ticks, then it scales out', () => {
    const first = decideAutoscale(settings, hot, idle);
    expect(first).toMatchObject({ kind: 'hold', breachTicks: 1 });
    expect(decideAutoscale(settings, hot, { ...idle, breachTicks: first.breachTicks }).kind).toBe(
      'scale-out',
    );
  });

  it('when the breach stops, then the count starts again', () => {
    expect(decideAutoscale(settings, calm, { ...idle, breachTicks: 1 })).toMatchObject({ breachTicks: 0 });
  });

  it('when no standby is left or a rebalance runs, then it holds', () => {
    expect(decideAutoscale(settings, hot, { ...idle, breachTicks: 5, hasStandby: false }).kind).toBe('hold');
    expect(decideAutoscale(settings, hot, { ...idle, breachTicks: 5, isRebalancing: true }).kind).toBe(
      'hold',
    );
  });
});

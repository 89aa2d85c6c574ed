import { describe, expect, it } from 'vitest';
import { lagBytes, observeProbe, replicaReadVerdict } from './replica-freshness.ts';
import type { LagProbe, ReplicaFreshness } from './replica-freshness.ts';

const masterAddress = '127.0.0.1:7001';

/** A probe of shard-1 where the replica answers as a linked replica of the master unless told otherwise. */
function probe(
  askedAt: number,
  masterOffset: number | undefined,
  replicaOffset: number | undefined,
  overrides: Partial<LagProbe> = {},
): LagProbe {
  return {
    master: 'shard-1-master',
    replica: 'shard-1-replica',
    masterAddress,
    isReplicationPaused: false,
    mark: masterOffset === undefined ? undefined : { askedAt, offset: masterOffset },
    replicaReport: { isReachable: true, role: 'replica', following: masterAddress },
    replicaOffset,
    replicaLink: 'up',
    replicaSession: 0,
    ...overrides,
  };
}

function run(probes: readonly LagProbe[]): ReplicaFreshness | undefined {
  return probes.reduce<ReplicaFreshness | undefined>((f, p) => observeProbe(f, p), undefined);
}

describe('replica freshness from probes', () => {
  it('a replica that reached the offset the master had at t holds every write acknowledged before t', () => {
    const f = run([probe(100, 500, 500)]);
    expect(f?.coveredUntil).toBe(100);
    expect(replicaReadVerdict(f, { now: 150, replicaSession: 0 }, 1000)).toEqual({
      isServed: true,
      stalenessMs: 50,
    });
  });

  it('a replica a little behind is matched to an older master offset it did reach', () => {
    const f = run([probe(100, 500, 500), probe(200, 700, 650), probe(300, 900, 720)]);
    // 720 >= 700 (asked at 200) but < 900 (asked at 300): covered until 200.
    expect(f?.coveredUntil).toBe(200);
    expect(f && lagBytes(f)).toBe(180);
  });

  it('a replica cut off keeps what it has: its staleness grows until reads go to the master', () => {
    const cut = { isReplicationPaused: true, replicaLink: 'down' } as const;
    const paused = {
      ...cut,
      replicaReport: { isReachable: true, role: 'replica', following: '127.0.0.1:1' },
    } as const;
    const f = run([probe(100, 500, 500), probe(200, 600, 500, paused), probe(300, 700, 500, paused)]);
    expect(f?.coveredUntil).toBe(100);
    expect(replicaReadVerdict(f, { now: 1100, replicaSession: 0 }, 1000)).toEqual({
      isServed: true,
      stalenessMs: 1000,
    });
    expect(replicaReadVerdict(f, { now: 1101, replicaSession: 0 }, 1000)).toEqual({ isServed: false });
  });

  it('a node that calls itself a master, or does not answer, is never read as the replica', () => {
    const asMaster = run([
      probe(100, 500, 500),
      probe(200, 600, 900, { replicaReport: { isReachable: true, role: 'master' } }),
    ]);
    expect(replicaReadVerdict(asMaster, { now: 200, replicaSession: 0 }, 1000)).toEqual({ isServed: false });
    const silent = run([
      probe(100, 500, 500),
      probe(200, 600, undefined, { replicaReport: { isReachable: false } }),
    ]);
    expect(replicaReadVerdict(silent, { now: 200, replicaSession: 0 }, 1000)).toEqual({ isServed: false });
  });

  it('coverage starts over for a replica that was not serving, and never comes from another history', () => {
    const back = run([
      probe(100, 500, 500),
      probe(200, 600, undefined, { replicaReport: { isReachable: false } }),
      // Back and following, but still syncing: its offset is not yet in the master's history.
      probe(300, 700, 900, { replicaLink: 'down' }),
    ]);
    expect(back?.coveredUntil).toBeUndefined();
    // A master restarted with a lower offset: the old, higher marks are dropped.
    const restarted = run([probe(100, 5000, 5000), probe(200, 10, 4000)]);
    expect(restarted?.marks).toEqual([{ askedAt: 200, offset: 10 }]);
    expect(restarted?.coveredUntil).toBe(200);
  });

  it('a probe of another pair (after a failover) starts from nothing', () => {
    const before = run([probe(100, 500, 500)]);
    const after = observeProbe(
      before,
      probe(200, 600, 100, { master: 'shard-1-replica', replica: 'shard-1-master' }),
    );
    expect(after.marks).toEqual([{ askedAt: 200, offset: 600 }]);
    expect(after.coveredUntil).toBeUndefined();
  });

  it('a replica whose connection dropped since the probe (it may have restarted with older data) is not read', () => {
    const f = run([probe(100, 500, 500)]);
    expect(replicaReadVerdict(f, { now: 150, replicaSession: 1 }, 1000)).toEqual({ isServed: false });
    // The next probe, on the new connection, starts coverage over.
    const next = f && observeProbe(f, probe(200, 600, 500, { replicaSession: 1 }));
    expect(next?.coveredUntil).toBe(100);
    const lagging = f && observeProbe(f, probe(200, 600, 550, { replicaSession: 1, replicaLink: 'down' }));
    expect(lagging?.coveredUntil).toBeUndefined();
  });

  it('with no probe yet, reads go to the master', () => {
    expect(replicaReadVerdict(undefined, { now: 0, replicaSession: 0 }, 1000)).toEqual({ isServed: false });
  });
});

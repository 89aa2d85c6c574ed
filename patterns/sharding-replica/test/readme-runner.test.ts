import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonValues, readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// README exercises pasted as written into bash, against the lab the real runner started
// (`pnpm lab up sharding-replica --detach --fresh`) at a port offset in its own state dir:
// a README that drifts from the runner or the API fails here. Each exercise starts with the
// README's own setup block, which restarts the lab afresh (`lab down; lab up --fresh --detach`),
// as the README asks.
const lab = readmeRunner({ topology, readme: new URL('../README.md', import.meta.url) });

type Answer = Record<string, unknown>;
const isObject = (value: unknown): value is Answer =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

describe.skipIf(!lab.usable)('README exercises through the real runner, at a port offset', () => {
  beforeAll(() => lab.upOrThrow(), 130_000);
  afterAll(() => lab.down(), 60_000);

  it('exercise 3 as pasted: a killed master is replaced by its replica; the async write is lost, the replicated one kept', async () => {
    const [setup] = lab.shellBlocks('## Lab exercises');
    const [steps] = lab.shellBlocks('### 3. Kill a master');
    const run = await lab.bash(`set -e\n${setup}\n${steps}`, 110_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const values = jsonValues(run.stdout);
    const answers = values.filter(isObject);
    const put = (key: string) => answers.find((a) => a.key === key && 'durability' in a);

    // Before the kill: the replicated write was acknowledged by the replica, the one made while the
    // link was cut was not (WAIT timed out), and the async one answered 200 all the same.
    expect(put('paid-0'), run.stdout).toMatchObject({
      shard: 'shard-1',
      durability: 'replica',
      isReplicated: true,
      replicasAcked: 1,
    });
    expect(put('cart-8'), run.stdout).toMatchObject({ shard: 'shard-1', durability: 'async' });
    expect(put('receipt-4'), run.stdout).toMatchObject({
      shard: 'shard-1',
      durability: 'replica',
      isReplicated: false,
    });

    // The failover: the router promoted shard-1's replica after missed pings.
    const failovers = values.find((v): v is Answer[] => Array.isArray(v));
    expect(failovers, run.stdout).toBeDefined();
    const [failover] = failovers ?? [];
    expect(failover, run.stdout).toMatchObject({
      shard: 'shard-1',
      from: 'shard-1-master',
      to: 'shard-1-replica',
      reason: expect.stringContaining('missed 3 pings'),
    });
    expect(failover?.failoverMs).toBeGreaterThan(0);
    expect(failover?.failoverMs).toBeLessThan(10_000);

    // /check: still valid, the write made while replication was cut is counted lost, the replicated one is not.
    const check = answers.find((a) => 'valid' in a);
    expect(check, run.stdout).toMatchObject({
      valid: true,
      details: expect.objectContaining({ replicaWritesLost: 0, asyncWritesLost: expect.any(Number) }),
    });
    const details = check?.details as {
      asyncWritesLost: number;
      lostAsyncKeys: string[];
      replicaWritesChecked: number;
    };
    expect(details.replicaWritesChecked).toBeGreaterThanOrEqual(1);
    expect(details.asyncWritesLost).toBeGreaterThanOrEqual(1);
    expect(details.lostAsyncKeys).toContain('cart-8');
    expect(details.lostAsyncKeys).not.toContain('paid-0');
  }, 120_000);

  it('exercise 4 as pasted: with replication cut, an eventual read returns the stale v1 from the replica, a strong read v2 from the master, and past the staleness bound an eventual read v2 from the master', async () => {
    const [setup] = lab.shellBlocks('## Lab exercises');
    const [steps] = lab.shellBlocks('### 4. Read your own write');
    const run = await lab.bash(`set -e\n${setup}\n${steps}`, 110_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const answers = jsonValues(run.stdout).filter(isObject);
    const reads = answers.filter((a) => a.key === 'profile' && 'consistency' in a);
    const [eventual, pastBound] = reads.filter((a) => a.consistency === 'eventual');
    const strong = reads.find((a) => a.consistency === 'strong');
    const shard = answers.find((a) => a.key === 'profile' && 'durability' in a)?.shard;
    expect(shard, run.stdout).toMatch(/^shard-\d$/);

    expect(eventual, run.stdout).toMatchObject({ value: 'v1', servedBy: `${String(shard)}-replica` });
    expect(eventual?.replicationLag, run.stdout).toMatchObject({ measuredAt: 'probe', replicaLink: 'down' });
    expect((eventual?.replicationLag as { bytes: number }).bytes).toBeGreaterThan(0);
    expect((eventual?.replicationLag as { stalenessMs: number }).stalenessMs).toBeLessThanOrEqual(1000);
    expect(pastBound, run.stdout).toMatchObject({ value: 'v2', servedBy: `${String(shard)}-master` });
    expect(strong, run.stdout).toMatchObject({ value: 'v2', servedBy: `${String(shard)}-master` });
    // The fault was set on the shard the key lives on, then healed.
    const faults = answers.filter((a) => a.name === 'replication-pause');
    expect(faults.map((f) => (f.state as { pausedShards: string[] }).pausedShards)).toEqual([[shard], []]);
  }, 120_000);

  // Last in the file: it leaves the lab on the cluster engine (each exercise above starts afresh anyway).
  it('exercise 12, its Redis Cluster part as pasted: every seeded run with master kills is valid on the cluster engine', async () => {
    const [, onCluster] = lab.shellBlocks('### 12. Seeded faults');
    expect(onCluster, 'the cluster block of exercise 12').toMatch(/--engine cluster/);
    const run = await lab.bash(`set -e\n${onCluster}`, 400_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/5 of 5 runs valid/);
  }, 420_000);
});

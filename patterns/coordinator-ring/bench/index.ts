import { interleave, runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition } from '@kvs-lab/shared/bench';
import { startEtcdCluster, startRedis, stopAllEtcd, stopAllRedis } from '@kvs-lab/shared/testing';
import type { EtcdClusterHandle } from '@kvs-lab/shared/testing';
import { call, startRingCluster } from '../test/support/coordinator-ring-lab.ts';
import type { RingCluster } from '../test/support/coordinator-ring-lab.ts';
import { restartAfterWrites } from './restart.ts';

const electionTrials = 5;

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (values: readonly number[]) =>
  `median ${median(values)} ms, max ${Math.max(...values)} ms (all: ${values.join(', ')} ms)`;

/** ENGINE=etcd: kill the elected instance, time until the others name another in a higher term. */
async function etcdInstanceElections(ring: RingCluster, progress: (line: string) => void): Promise<number[]> {
  const times: number[] = [];
  for (let trial = 0; trial < electionTrials; trial++) {
    const old = await ring.waitForLeader({ everyone: true });
    const startedAt = performance.now();
    await ring.node(old.id).kill();
    await ring.waitForLeader({ excluding: old.id, minTerm: old.term + 1, timeoutMs: 30_000 });
    times.push(Math.round(performance.now() - startedAt));
    progress(`etcd instance election ${trial + 1}/${electionTrials}: ${times[times.length - 1]} ms`);
    await ring.node(old.id).start();
  }
  return times;
}

/** ENGINE=etcd: kill etcd's Raft leader, time until a write through an instance is acknowledged again. */
async function etcdLeaderKills(
  etcd: EtcdClusterHandle,
  ring: RingCluster,
  progress: (line: string) => void,
): Promise<number[]> {
  const times: number[] = [];
  for (let trial = 0; trial < electionTrials; trial++) {
    const leader = await ring.waitForLeader({ everyone: true });
    const url = ring.node(leader.id).url;
    const member = await etcd.leader();
    const startedAt = performance.now();
    await member.kill();
    for (;;) {
      const reply = await call(`${url}/kv/bench-kill`, 'PUT', { value: String(trial) }, 5_000);
      if (reply?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    times.push(Math.round(performance.now() - startedAt));
    progress(
      `etcd leader kill ${trial + 1}/${electionTrials}: writes again after ${times[times.length - 1]} ms`,
    );
    await member.restart();
  }
  return times;
}
// The issue's "no node is suspected in a fault-free minute" (the test suite watches only a few seconds).
const quietWindowMs = Math.max(1_000, Number(process.env.RING_QUIET_WINDOW_MS) || 60_000);

/**
 * The ring's benchmark: a committed write through the leader (one log append
 * on the leader, AppendEntries to the followers, acknowledged at a majority)
 * and a linearizable read (ReadIndex: one confirmation round) beside a bare
 * Express route doing one Redis SET / GET, in the same run; then the
 * election time after a leader kill over repeated trials.
 */
export const bench: BenchDefinition = {
  pattern: 'coordinator-ring',
  async run({ durationSeconds, rounds, progress }) {
    // Whatever was started is stopped, even when a later start fails (etcd missing, a port taken).
    let baseline: Awaited<ReturnType<typeof startBaselineServer>> | undefined;
    let cluster: RingCluster | undefined;
    let etcdRing: RingCluster | undefined;
    try {
      const etcd = await startEtcdCluster({ size: 3 });
      const baselineServer = await startBaselineServer(
        (await startRedis({ name: 'bench-ring-baseline' })).url,
      );
      baseline = baselineServer;
      cluster = await startRingCluster(3);
      etcdRing = await startRingCluster(3, {}, { etcdEndpoints: etcd.endpoints });
      const etcdLeader = await etcdRing.waitForLeader({ everyone: true });
      const etcdUrl = etcdRing.node(etcdLeader.id).url;
      await call(`${etcdUrl}/kv/bench`, 'PUT', { value: 'x' });
      const leader = await cluster.waitForLeader({ everyone: true });
      const leaderUrl = cluster.node(leader.id).url;
      const followerUrl = cluster.nodes.find((n) => n.name !== leader.id)?.url ?? leaderUrl;
      await call(`${leaderUrl}/kv/bench`, 'PUT', { value: 'x' });
      const statsBefore = await Promise.all(cluster.nodes.map((n) => call(`${n.url}/stats`)));
      const cases = {
        'Express + 1 Redis SET': () =>
          runLoad({
            url: `${baselineServer.url}/baseline/set`,
            method: 'PUT',
            body: { v: 'x' },
            durationSeconds,
          }),
        'PUT /kv via leader (majority of 3)': () =>
          runLoad({ url: `${leaderUrl}/kv/bench`, method: 'PUT', body: { value: 'x' }, durationSeconds }),
        'PUT /kv on etcd (elected instance)': () =>
          runLoad({ url: `${etcdUrl}/kv/bench`, method: 'PUT', body: { value: 'x' }, durationSeconds }),
        'Express + 1 Redis GET': () =>
          runLoad({ url: `${baselineServer.url}/baseline/get`, durationSeconds }),
        'GET /kv linearizable (leader)': () => runLoad({ url: `${leaderUrl}/kv/bench`, durationSeconds }),
        'GET /kv?stale=true (follower)': () =>
          runLoad({ url: `${followerUrl}/kv/bench?stale=true`, durationSeconds }),
        'GET /kv linearizable on etcd': () => runLoad({ url: `${etcdUrl}/kv/bench`, durationSeconds }),
      };
      const results = await interleave(
        rounds,
        Object.entries(cases).map(([name, run]) => ({ name, run })),
        progress,
      );
      const statsAfter = await Promise.all(cluster.nodes.map((n) => call(`${n.url}/stats`)));
      // Why writes were refused, from the leader's own record of what it served.
      const history = await call(`${leaderUrl}/history?limit=10000`, 'GET', undefined, 10_000);
      const refusals = new Map<string, number>();
      for (const op of (history?.body.operations as { kind: string; outcome?: string; reason?: string }[]) ??
        []) {
        if (op.kind !== 'write' || op.outcome === 'ok') continue;
        const reason = `${op.outcome ?? 'pending'} ${op.reason ?? ''}`.trim();
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      }
      const suspicions = (replies: typeof statsBefore) =>
        replies.reduce(
          (sum, r) => sum + ((r?.body.counters as Record<string, number> | undefined)?.suspicions ?? 0),
          0,
        );
      const result = (name: string) => results.require(name);

      // False suspicions with no load and no fault, over the quiet window.
      progress(`watching a fault-free ring for ${quietWindowMs / 1_000} s`);
      const statsQuietBefore = await Promise.all(cluster.nodes.map((n) => call(`${n.url}/stats`)));
      await new Promise((resolve) => setTimeout(resolve, quietWindowMs));
      const statsQuietAfter = await Promise.all(cluster.nodes.map((n) => call(`${n.url}/stats`)));

      // Election time: kill the leader, poll every 20 ms until another node leads a higher term.
      // Failure detection: until every live node's /ring marks the killed node dead.
      const electionMs: number[] = [];
      const detectionMs: number[] = [];
      for (let trial = 0; trial < electionTrials; trial++) {
        const old = await cluster.waitForLeader({ everyone: true });
        const startedAt = performance.now();
        await cluster.node(old.id).kill();
        let elected: number | undefined;
        let detected: number | undefined;
        while (elected === undefined || detected === undefined) {
          const live = cluster.nodes.filter((n) => n.isRunning);
          if (elected === undefined) {
            const statuses = await Promise.all(live.map((n) => n.status()));
            if (statuses.some((s) => s?.role === 'leader' && s.term > old.term)) {
              elected = Math.round(performance.now() - startedAt);
            }
          }
          if (detected === undefined) {
            const rings = await Promise.all(live.map((n) => call(`${n.url}/ring`, 'GET', undefined, 1_000)));
            const isDead = rings.every((r) =>
              (r?.body.members as { id: string; state: string }[] | undefined)?.some(
                (m) => m.id === old.id && m.state === 'dead',
              ),
            );
            if (isDead) detected = Math.round(performance.now() - startedAt);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        electionMs.push(elected);
        detectionMs.push(detected);
        progress(
          `election ${trial + 1}/${electionTrials}: ${elected} ms; dead everywhere after ${detected} ms`,
        );
        await cluster.node(old.id).start();
      }
      const restartNote = await restartAfterWrites(cluster, progress);
      const etcdElectionMs = await etcdInstanceElections(etcdRing, progress);
      const etcdKillMs = await etcdLeaderKills(etcd, etcdRing, progress);
      const sorted = [...electionMs].sort((a, b) => a - b);
      const detectionSorted = [...detectionMs].sort((a, b) => a - b);
      return {
        rows: [
          { name: 'Express + 1 Redis SET', result: result('Express + 1 Redis SET') },
          {
            name: 'PUT /kv via leader (majority of 3)',
            result: result('PUT /kv via leader (majority of 3)'),
            baseline: 'Express + 1 Redis SET',
            // Issue #16's goal for a write acknowledged by a majority.
            goalRatio: 0.45,
          },
          { name: 'Express + 1 Redis GET', result: result('Express + 1 Redis GET') },
          {
            name: 'GET /kv linearizable (leader)',
            result: result('GET /kv linearizable (leader)'),
            baseline: 'Express + 1 Redis GET',
            // Issue #16's goal for a ReadIndex read.
            goalRatio: 0.5,
          },
          {
            name: 'GET /kv?stale=true (follower)',
            result: result('GET /kv?stale=true (follower)'),
            baseline: 'Express + 1 Redis GET',
          },
          {
            name: 'PUT /kv on etcd (elected instance)',
            result: result('PUT /kv on etcd (elected instance)'),
            baseline: 'Express + 1 Redis SET',
          },
          {
            name: 'GET /kv linearizable on etcd',
            result: result('GET /kv linearizable on etcd'),
            baseline: 'Express + 1 Redis GET',
          },
        ],
        notes: [
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s each; autocannon (50 connections) in a worker thread; the three ring nodes are separate processes on the same 2 cores: compare ratios, not absolutes.`,
          `election time after SIGKILL of the leader, default settings (heartbeat 100 ms, election timeout 600-1200 ms), ${electionTrials} trials: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms (all: ${electionMs.join(', ')} ms).`,
          `killed leader marked dead by every live node (FAILURE_TIMEOUT_MS 1000, so the promise is < 2000 ms): median ${detectionSorted[Math.floor(detectionSorted.length / 2)]} ms, max ${detectionSorted[detectionSorted.length - 1]} ms (all: ${detectionMs.join(', ')} ms).`,
          `false suspicions during the load phase (sum over the 3 nodes): ${suspicions(statsAfter) - suspicions(statsBefore)}.`,
          `false suspicions in a fault-free, idle ${quietWindowMs / 1_000} s window (sum over the 3 nodes; the promise is 0): ${suspicions(statsQuietAfter) - suspicions(statsQuietBefore)}.`,
          `etcd engine, same run: new instance leader after SIGKILL of the elected instance (lease TTL 2 s): ${summary(etcdElectionMs)}.`,
          `etcd engine, same run: first acknowledged write after SIGKILL of etcd's Raft leader: ${summary(etcdKillMs)}.`,
          restartNote,
          `writes the leader did not acknowledge during the load phase, by outcome and code: ${[...refusals].map(([r, n]) => `${r} x${n}`).join(', ') || 'none'}.`,
        ],
      };
    } finally {
      await etcdRing?.stop();
      await stopAllEtcd();
      await cluster?.stop();
      await baseline?.close();
      await stopAllRedis();
    }
  },
};

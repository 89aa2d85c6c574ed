/**
 * CPU time per request of a 3-node ring, by process (the three nodes and their three Redis), under
 * one load on the leader. On a shared, busy machine requests per second say what the machine had
 * left to give; CPU per request says what a request costs, and on two cores it bounds the ratio.
 *
 *   pnpm --filter @kvs-lab/coordinator-ring exec tsx bench/cpu-per-request.ts [put|get] [seconds] [rounds] [KEY=value,...]
 *
 * The optional last argument is extra environment for the nodes (`APPEND_PIPELINE_DEPTH=2`). Each
 * round first measures the ring idle for the same time (gossip and heartbeats), then loaded
 * (autocannon, 50 connections, in a worker of this process); both are printed, medians last.
 */
import { readFileSync } from 'node:fs';
import { runLoad } from '@kvs-lab/shared/bench';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { call, startRingCluster } from '../test/support/coordinator-ring-lab.ts';

const [kind = 'put', secondsText = '5', roundsText = '3', envText = ''] = process.argv.slice(2);
const seconds = Number(secondsText);
const rounds = Number(roundsText);
const env = Object.fromEntries(
  envText
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => pair.split('=', 2) as [string, string]),
);
const clockTicksPerSecond = 100;

/** utime + stime of a process, in µs (Linux /proc). */
function cpuOfPid(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const cluster = await startRingCluster(3, env);
try {
  const leader = await cluster.waitForLeader({ everyone: true });
  const leaderUrl = cluster.node(leader.id).url;
  await call(`${leaderUrl}/kv/bench`, 'PUT', { value: 'x' });
  // Leader first, then the followers; each node's Redis beside it.
  const nodes = [...cluster.nodes].sort(
    (a, b) => Number(b.name === leader.id) - Number(a.name === leader.id),
  );
  const pids = nodes.flatMap((n) => [n.pid, n.redis?.pid]);
  const labels = nodes.flatMap((n) => [n.name === leader.id ? `${n.name} (leader)` : n.name, 'its redis']);
  const sample = () => pids.map(cpuOfPid);
  const perRequest: number[][] = [];
  const perSecondIdle: number[][] = [];
  const rates: number[] = [];
  await runLoad(
    kind === 'get'
      ? { url: `${leaderUrl}/kv/bench`, durationSeconds: 1 }
      : { url: `${leaderUrl}/kv/bench`, method: 'PUT', body: { value: 'x' }, durationSeconds: 1 },
  );
  for (let round = 0; round < rounds; round++) {
    const idleFrom = sample();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    const idleTo = sample();
    perSecondIdle.push(idleTo.map((to, i) => (to - (idleFrom[i] ?? 0)) / seconds));
    const from = sample();
    const result = await runLoad(
      kind === 'get'
        ? { url: `${leaderUrl}/kv/bench`, durationSeconds: seconds }
        : { url: `${leaderUrl}/kv/bench`, method: 'PUT', body: { value: 'x' }, durationSeconds: seconds },
    );
    const to = sample();
    const requests = result.total;
    perRequest.push(to.map((t, i) => (t - (from[i] ?? 0)) / Math.max(1, requests)));
    rates.push(result.requestsPerSecond);
    const total = perRequest[round]?.reduce((a, b) => a + b, 0) ?? 0;
    console.log(
      `round ${round + 1}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.latencyP99Ms} ms, ` +
        `non-2xx ${result.non2xx}; ring CPU ${Math.round(total)} µs per request`,
    );
  }
  console.log(
    `\n${kind.toUpperCase()} ${envText || '(defaults)'}, medians of ${rounds} rounds of ${seconds} s:`,
  );
  labels.forEach((label, i) => {
    const loaded = median(perRequest.map((r) => r[i] ?? 0));
    const idle = median(perSecondIdle.map((r) => r[i] ?? 0));
    console.log(
      `  ${label.padEnd(16)} ${loaded.toFixed(0).padStart(5)} µs per request   (idle: ${(idle / 1_000).toFixed(0)} ms/s)`,
    );
  });
  const totals = perRequest.map((r) => r.reduce((a, b) => a + b, 0));
  console.log(`  ${'ring total'.padEnd(16)} ${median(totals).toFixed(0).padStart(5)} µs per request`);
  console.log(`  ${Math.round(median(rates))} req/s (median)`);
} finally {
  await cluster.stop();
  await stopAllRedis();
}

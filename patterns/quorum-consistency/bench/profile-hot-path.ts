import { readFileSync } from 'node:fs';
import { runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import type { LoadResult } from '@kvs-lab/shared/bench';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { startCoordinator } from './bench-replicas.ts';

/**
 * The coordinator's hot path alone, for a CPU profile (not a benchmark: no rounds, no report):
 * `node --cpu-prof --cpu-prof-dir=<dir> --import tsx patterns/quorum-consistency/bench/profile-hot-path.ts put 5`
 * loads PUT (or `get`) for the given seconds beside the baseline route, and prints both rates.
 * autocannon runs in a worker thread, which writes its own profile: read the main thread's.
 */
const [kind = 'put', seconds = '5', pipelining = 'on', baselineSeconds = seconds] = process.argv.slice(2);
const durationSeconds = Number(seconds);
process.env.LOG_LEVEL ??= 'warn';
const { redis, service, quorum } = await startCoordinator();
// `off` turns the coordinator's auto-pipelining off, to compare.
for (const replica of quorum.replicas)
  replica.node.client.options.enableAutoPipelining = pipelining !== 'off';
const { port } = await service.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${port}/kv/bench`;
const baseline = await startBaselineServer((redis[0] as RedisHandle).url);
try {
  await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"value":"value"}',
  });
  const isPut = kind === 'put';
  const measured = async (load: () => Promise<LoadResult>, redisPids: readonly number[]) => {
    const before = [
      cpuTicks(`${process.pid}/task/${process.pid}`),
      ...redisPids.map((pid) => cpuTicks(String(pid))),
    ];
    const result = await load();
    const after = [
      cpuTicks(`${process.pid}/task/${process.pid}`),
      ...redisPids.map((pid) => cpuTicks(String(pid))),
    ];
    const ms = after.map((t, i) => 10 * (t - (before[i] ?? 0)));
    const perRequest = (t: number) => ((1000 * t) / Math.max(1, result.total)).toFixed(0);
    return {
      result,
      text: `main thread ${perRequest(ms[0] ?? 0)} us/req, redis ${perRequest(ms.slice(1).reduce((a, b) => a + b, 0))} us/req`,
    };
  };
  const pids = redis.map((handle) => handle.pid ?? 0);
  const baseRun = await measured(
    () =>
      runLoad({
        url: `${baseline.url}/baseline/${isPut ? 'set' : 'get'}`,
        method: isPut ? 'PUT' : 'GET',
        ...(isPut ? { body: { value: 'value' } } : {}),
        durationSeconds: Number(baselineSeconds),
      }),
    pids.slice(0, 1),
  );
  const mineRun = await measured(
    () =>
      runLoad({
        url,
        method: isPut ? 'PUT' : 'GET',
        ...(isPut ? { body: { value: 'value' } } : {}),
        durationSeconds,
      }),
    pids,
  );
  const base = baseRun.result;
  const mine = mineRun.result;
  console.log(`baseline: ${baseRun.text}; coordinator: ${mineRun.text}`);
  console.log(
    `${kind}: baseline ${base.requestsPerSecond.toFixed(0)} req/s, coordinator ${mine.requestsPerSecond.toFixed(0)} req/s (${((100 * mine.requestsPerSecond) / base.requestsPerSecond).toFixed(0)} %), errors ${mine.errors}, non2xx ${mine.non2xx}`,
  );
} finally {
  await baseline.close();
  await service.close();
  await Promise.all(redis.map((handle) => handle.stop()));
}

/** utime + stime of a process or thread, in clock ticks (10 ms). */
function cpuTicks(path: string): number {
  const fields = readFileSync(`/proc/${path}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Where the 20k deliveries/s tail comes from: one row at a time, with the event loop's delay and the GC
 * pauses of this process (the servers and the publisher; the clients run in bench/client-process.ts) measured
 * beside the delivery latencies.
 *
 *   pnpm exec tsx patterns/gmail-pubsub/bench/profile-tail.ts [pubsub|engine|adapter] [seconds] [rounds] [publishes/s]
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { startRedis } from '@kvs-lab/shared/testing';
import { ClientFleet } from './client-fleet.ts';
import { paced, percentile } from './fanout-clients.ts';
import { startAdapterBaseline, startPattern } from './index.ts';

process.env.LOG_LEVEL ??= 'warn';
const [which = 'pubsub', seconds = '5', rounds = '3', rate = '200'] = process.argv.slice(2);
const redis = await startRedis({ name: 'profile-tail' });
const fleet = await ClientFleet.start();
const row =
  which === 'adapter'
    ? await startAdapterBaseline(redis.url, fleet)
    : await startPattern(redis, fleet, which === 'engine' ? 'socketio-adapter' : 'pubsub');
const gcs: { kind: number; ms: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    gcs.push({ kind: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0, ms: entry.duration });
}).observe({ entryTypes: ['gc'] });
try {
  for (let round = 0; round < Number(rounds); round += 1) {
    gcs.length = 0;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    await fleet.start();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const { sent } = await paced(row.publish, Number(rate), Number(seconds) * 1000);
    const deadline = performance.now() + 3_000;
    while ((await fleet.count()) < sent * 100 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const latencies = await fleet.stop();
    loop.disable();
    // With --expose-gc: what the row leaves alive (the delivery records the history keeps, mostly).
    (globalThis as { gc?: () => void }).gc?.();
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuUsPerDelivery = (cpu.user + cpu.system) / Math.max(1, latencies.length);
    const byKind = new Map<number, number[]>();
    for (const gc of gcs) byKind.set(gc.kind, [...(byKind.get(gc.kind) ?? []), gc.ms]);
    console.log(
      `${which} round ${round}: ${latencies.length}/${sent * 100} in ${elapsed.toFixed(1)} s, p50 ${percentile(latencies, 0.5).toFixed(1)} p99 ${percentile(latencies, 0.99).toFixed(1)} max ${percentile(latencies, 1).toFixed(1)} ms; heap after ${heapMb.toFixed(0)} MB; cpu ${cpuUsPerDelivery.toFixed(1)} us/delivery; loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms; gc ${[...byKind].map(([k, ms]) => `kind${k} n=${ms.length} sum=${ms.reduce((a, b) => a + b, 0).toFixed(0)} max=${Math.max(...ms).toFixed(1)}`).join(', ')}`,
    );
  }
} finally {
  await fleet.close();
  await row.close();
  await redis.stop();
}

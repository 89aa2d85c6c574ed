import { Session } from 'node:inspector/promises';
import { emptyClock } from '@kvs-lab/shared/vector-clock';
import { KvRecorder } from '../src/http/kv-recorder.ts';
import { startCoordinator } from './bench-replicas.ts';
import { summariseProfile } from './profile-summary.ts';

/**
 * The coordinator's own work per read and per write, without HTTP: `rounds` loops of 50 concurrent
 * callers of the recorded quorum read or write (what the routes call), with this process's CPU time per
 * operation. HTTP, Express and the kit cost the same before and after a change to the pattern, and on a
 * busy machine their share drowns it; this leaves ioredis and the pattern's code.
 *
 *   node --import tsx patterns/quorum-consistency/bench/cpu-per-operation.ts [seconds] [rounds] [profile]
 *
 * With a third argument, the measured rounds are profiled (a sample every 100 µs) and summarised.
 */
const [seconds = 2, rounds = 5] = process.argv.slice(2, 4).map(Number);
const isProfiled = process.argv[4] !== undefined;
const session = new Session();
session.connect();
process.env.LOG_LEVEL ??= 'warn';
const { redis, service, quorum } = await startCoordinator();
const record = new KvRecorder(quorum);
let id = 0;
const operations = {
  write: () =>
    record.write(`bench-${++id}`, { key: 'bench', isDelete: false }, () =>
      quorum.write({ key: 'bench', value: 'value', context: emptyClock(), requestId: `w${id}` }),
    ),
  read: () =>
    record.read(`bench-${++id}`, { key: 'bench' }, () => quorum.read({ key: 'bench', requestId: `r${id}` })),
};

/** CPU µs per operation over `seconds` of 50 callers in a closed loop, and how many failed. */
async function measure(operation: () => Promise<unknown>): Promise<{ us: number; failed: number }> {
  const deadline = performance.now() + 1000 * seconds;
  let done = 0;
  let failed = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (performance.now() < deadline) {
        await operation().catch(() => (failed += 1));
        done += 1;
      }
    }),
  );
  const used = process.cpuUsage(before);
  return { us: (used.user + used.system) / Math.max(1, done), failed };
}

try {
  await operations.write();
  for (const [name, operation] of Object.entries(operations)) {
    await measure(operation); // warm-up: JIT
    const figures: number[] = [];
    let failures = 0;
    if (isProfiled) {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    }
    for (let round = 0; round < rounds; round++) {
      const { us, failed } = await measure(operation);
      figures.push(us);
      failures += failed;
    }
    if (isProfiled) console.log(summariseProfile((await session.post('Profiler.stop')).profile, 30));
    figures.sort((a, b) => a - b);
    console.log(
      `${name}: ${(figures[figures.length >> 1] ?? 0).toFixed(1)} µs CPU per operation (median of ${rounds}; all ${figures.map((f) => f.toFixed(0)).join(' ')}), ${failures} failed`,
    );
  }
} finally {
  session.disconnect();
  await service.close();
  await Promise.all(redis.map((handle) => handle.stop()));
}

/**
 * CPU time per request of the kit's GET beside the bare Express baseline, in this process only
 * (autocannon runs as a child): a figure that holds on a busy machine better than requests per second,
 * since it counts what one request costs rather than what the machine had left to give.
 *
 *   pnpm --filter @kvs-lab/shared exec tsx bench/kit-cpu.ts [seconds] [rounds] [profile dir]
 *
 * With a profile dir, each measured run also writes a V8 CPU profile there (open it in Chrome DevTools).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { startDemoUnderTest } from './demo-under-test.ts';

const [seconds = 5, rounds = 3] = process.argv.slice(2, 4).map(Number);
const profileDir = process.argv[4];
const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function load(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [autocannon, '-j', '-c', '50', '-d', String(seconds), url],
      { maxBuffer: 1 << 24 },
      (error, stdout) => {
        if (error) reject(new Error(`autocannon failed: ${error.message}`));
        else resolve((JSON.parse(stdout) as { requests: { total: number } }).requests.total);
      },
    );
  });
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

const demo = await startDemoUnderTest('kit-cpu');
const targets = {
  baseline: `${demo.baselineUrl}/baseline/get`,
  kit: `${demo.demoUrl}/counters/visits`,
};
const session = new Session();
session.connect();
await session.post('Profiler.enable');
if (profileDir) mkdirSync(profileDir, { recursive: true });

const perRequest: Record<keyof typeof targets, number[]> = { baseline: [], kit: [] };
try {
  for (let round = 0; round < rounds; round += 1) {
    for (const name of ['baseline', 'kit'] as const) {
      if (round === 0) await load(targets[name]); // warm-up: JIT and connection pools
      if (profileDir) await session.post('Profiler.start');
      const before = process.cpuUsage();
      const requests = await load(targets[name]);
      const used = process.cpuUsage(before);
      if (profileDir) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(path.join(profileDir, `${name}-${round}.cpuprofile`), JSON.stringify(profile));
      }
      perRequest[name].push((used.user + used.system) / requests);
    }
  }
  const kit = median(perRequest.kit);
  const base = median(perRequest.baseline);
  console.log(`CPU per request, median of ${rounds} rounds of ${seconds} s (this process only):`);
  console.log(`  Express + 1 Redis GET    ${base.toFixed(1)} µs`);
  console.log(
    `  kit GET /counters/{name} ${kit.toFixed(1)} µs  (${(kit - base).toFixed(1)} µs more, ${(kit / base).toFixed(2)}x)`,
  );
  console.log(
    `  a CPU-bound kit serves at most ${((100 * base) / kit).toFixed(0)} % of the baseline's requests`,
  );
  // Other work on the machine moves CPU per request slowly (cache misses, a slower clock), so on a busy
  // machine the ratio of each round's two neighbouring runs holds better than the ratio of medians.
  const pairs = perRequest.kit.map((kitUs, i) => kitUs / (perRequest.baseline[i] ?? kitUs));
  console.log(`  median of the rounds' own ratios: ${median(pairs).toFixed(2)}x`);
} finally {
  session.disconnect();
  await demo.close();
}

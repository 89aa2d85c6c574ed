import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { findTopology, loadAllTopologies, repoRoot } from '../lab/registry.ts';
import type { BenchDefinition } from './run-bench.ts';
import { runBench } from './run-bench.ts';
import { currentLoad, writeBenchReport } from './bench-all.ts';

async function loadBench(file: string): Promise<BenchDefinition> {
  const mod = (await import(pathToFileURL(file).href)) as { bench?: BenchDefinition };
  if (!mod.bench) throw new Error(`${file} must export \`bench\``);
  return mod.bench;
}

// `pnpm bench <pattern>`: runs `<pattern dir>/bench/index.ts`, which exports `bench`.
const program = new Command('bench')
  .description('Benchmark a pattern beside a baseline measured in the same run')
  .argument('[pattern]', 'pattern name (see `pnpm lab list`), or `all` for every bench and bench/REPORT.md')
  .option('-d, --duration <seconds>', 'seconds per measurement', '5')
  .option('-r, --rounds <n>', 'interleaved rounds; each row is the median', '3')
  .action(async (name: string | undefined, options: { duration: string; rounds: string }) => {
    const all = await loadAllTopologies();
    const withBench = all.filter((t) => existsSync(path.join(repoRoot, t.dir, 'bench', 'index.ts')));
    if (!name) {
      console.log(
        `Benchmarks: ${withBench.map((t) => t.name).join(', ') || '(none yet)'}\nUsage: pnpm bench <pattern> [--duration 5] [--rounds 3]`,
      );
      return;
    }
    const durationSeconds = Number(options.duration);
    if (!Number.isFinite(durationSeconds) || durationSeconds <= 0 || durationSeconds > 600) {
      console.error('--duration must be a number of seconds between 1 and 600');
      process.exitCode = 1;
      return;
    }
    const rounds = Number(options.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
      console.error('--rounds must be a whole number from 1 to 20');
      process.exitCode = 1;
      return;
    }
    if (name === 'all') {
      const loadAverageBefore = currentLoad();
      const reports = [];
      for (const [i, topology] of withBench.entries()) {
        console.error(`[bench all] ${i + 1}/${withBench.length}: ${topology.name}`);
        const definition = await loadBench(path.join(repoRoot, topology.dir, 'bench', 'index.ts'));
        reports.push(
          await runBench(definition, { dir: path.join(repoRoot, topology.dir), durationSeconds, rounds }),
        );
      }
      const conditions = {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadAverageBefore,
        loadAverageAfter: currentLoad(),
      };
      const command = `pnpm bench all --duration ${durationSeconds} --rounds ${rounds}`;
      const file = await writeBenchReport(path.join(repoRoot, 'bench'), reports, conditions, command);
      console.log(`report written to ${path.relative(process.cwd(), file)}`);
      return;
    }
    const topology = await findTopology(name);
    const file = path.join(repoRoot, topology.dir, 'bench', 'index.ts');
    if (!topology.implemented || !existsSync(file)) {
      console.error(
        `${name} has no benchmark yet${topology.issue ? ` (it is built by issue #${topology.issue})` : ''}.`,
      );
      process.exitCode = 1;
      return;
    }
    const definition = await loadBench(file);
    await runBench(definition, { dir: path.join(repoRoot, topology.dir), durationSeconds, rounds });
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

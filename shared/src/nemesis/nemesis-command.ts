import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../lab/lab-error.ts';
import type { LabSettings } from '../lab/lab-settings.ts';
import { findTopology, repoRoot } from '../lab/registry.ts';
import { faultKinds } from './fault-schedule.ts';
import type { FaultKind } from './fault-schedule.ts';
import { supervisorControl } from './lab-control.ts';
import { httpClient } from './nemesis-client.ts';
import { finalReport, progressLine } from './nemesis-report.ts';
import { healAll, runOnce } from './nemesis-run.ts';
import type { RunResult } from './nemesis-run.ts';
import type { NemesisWorkload } from './workload.ts';

export interface NemesisFlags {
  readonly seed?: string;
  readonly runs: string;
  readonly duration: string;
  readonly faults?: string;
  readonly rate: string;
  readonly concurrency: string;
  readonly variant?: string;
  readonly json?: string;
}

/** `30s`, `30`, `1500ms` -> milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!match) throw new LabError(`--duration must look like 30s, 30 or 1500ms, got '${text}'`);
  const value = Number(match[1]);
  const ms = match[2] === 'ms' ? value : value * 1_000;
  if (ms < 1_000 || ms > 600_000) throw new LabError('--duration must be between 1s and 600s');
  return ms;
}

/** `2/s` or `2` -> 2 faults per second. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(\/s)?$/.exec(text.trim());
  const rate = match ? Number(match[1]) : NaN;
  if (!(rate > 0 && rate <= 20))
    throw new LabError(`--rate must look like 2/s (at most 20/s), got '${text}'`);
  return rate;
}

function parseFaults(text: string | undefined, fallback: readonly FaultKind[]): FaultKind[] {
  if (text === undefined) return [...fallback];
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(faultKinds as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new LabError(`unknown fault ${unknown.join(', ')}; known: ${faultKinds.join(', ')}`);
  return kinds as FaultKind[];
}

function parseWhole(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new LabError(`--${name} must be a whole number from 1 to ${max}, got '${text}'`);
  }
  return value;
}

/** The pattern's `src/nemesis.ts`: its workload, faults and variants. */
async function loadWorkload(dir: string, pattern: string): Promise<NemesisWorkload> {
  const file = path.join(repoRoot, dir, 'src', 'nemesis.ts');
  let mod: { workload?: NemesisWorkload };
  try {
    mod = (await import(pathToFileURL(file).href)) as { workload?: NemesisWorkload };
  } catch {
    throw new LabError(`${pattern} declares no nemesis workload yet (${path.relative(repoRoot, file)})`);
  }
  if (!mod.workload) throw new LabError(`${file} must export \`workload\``);
  return mod.workload;
}

/**
 * `pnpm lab nemesis <pattern>`: seeded runs of workload + faults against the running
 * pattern, each judged by its own /check. Exit 1 when any run is invalid; 130 on Ctrl-C,
 * after healing every fault it applied.
 */
export async function nemesisCommand(
  pattern: string,
  flags: NemesisFlags,
  settings: LabSettings,
): Promise<number> {
  const topology = await findTopology(pattern);
  const workload = await loadWorkload(topology.dir, pattern);
  const control = supervisorControl(pattern, settings);
  const running = control.processes();
  const urls = Object.fromEntries(running.filter((p) => p.role === 'service').map((p) => [p.name, p.url]));
  const client = httpClient(urls, { adminToken: process.env.LAB_ADMIN_TOKEN });
  // Faults may only land on processes of the engine that runs now.
  const names = new Set(running.map((p) => p.name));
  const scoped: NemesisWorkload = {
    ...workload,
    faultyProcesses: workload.resolveProcess
      ? workload.faultyProcesses
      : workload.faultyProcesses.filter((name) => names.has(name)),
    faultyLinks: (workload.faultyLinks ?? []).filter((l) => names.has(l.service)),
  };
  const runs = parseWhole('runs', flags.runs, 1_000);
  const firstSeed =
    flags.seed === undefined
      ? Math.floor(Math.random() * 1_000_000)
      : parseWhole('seed', flags.seed, 2 ** 31);
  const options = {
    durationMs: parseDuration(flags.duration),
    faults: parseFaults(flags.faults, workload.defaultFaults),
    ratePerSecond: parseRate(flags.rate),
    concurrency: parseWhole('concurrency', flags.concurrency, 64),
    variant: flags.variant,
  };
  if (options.variant && !workload.variants?.[options.variant]) {
    const known = Object.keys(workload.variants ?? {});
    throw new LabError(
      `${pattern} has no variant '${options.variant}'; known: ${known.join(', ') || 'none'}`,
    );
  }

  const signal = { aborted: false };
  const onInterrupt = () => {
    if (signal.aborted) process.exit(130);
    signal.aborted = true;
    console.error('\nnemesis: stopping; healing every fault first (Ctrl-C again to leave at once)');
  };
  process.on('SIGINT', onInterrupt);
  const results: RunResult[] = [];
  try {
    console.log(
      `nemesis ${pattern}: ${runs} run(s) from seed ${firstSeed}, ${options.durationMs / 1000}s each, ` +
        `faults ${options.faults.join(',')} at ${options.ratePerSecond}/s, ${options.concurrency} clients` +
        (options.variant ? `, variant ${options.variant}` : ''),
    );
    for (let i = 0; i < runs && !signal.aborted; i++) {
      const result = await runOnce(scoped, control, client, { ...options, seed: firstSeed + i }, signal);
      results.push(result);
      console.log(progressLine(i, runs, result));
      for (const line of result.schedule) console.log(`  ${line}`);
    }
  } finally {
    await healAll(control, client).catch((error: unknown) => {
      console.error(`nemesis: healing failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    process.off('SIGINT', onInterrupt);
  }
  const replayFlags =
    ` --duration ${options.durationMs / 1000}s --faults ${options.faults.join(',')} --rate ${options.ratePerSecond}/s` +
    ` --concurrency ${options.concurrency}` +
    (options.variant ? ` --variant ${options.variant}` : '');
  console.log(`\n${finalReport(pattern, results, replayFlags)}`);
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify({ pattern, options, results }, null, 2)}\n`);
  if (signal.aborted) return 130;
  return results.every((r) => r.valid) ? 0 : 1;
}

import { killPid } from '../process/pid-control.ts';
import { ensureSystemPrograms, MissingSystemProgramError } from '../setup/system-binaries.ts';
import { processNamesOf, type PatternTopology } from '../topology/index.ts';
import { downCommand } from './down-command.ts';
import { LabError } from './lab-error.ts';
import type { LabSettings } from './lab-settings.ts';
import { LogPrinter, shouldUseColor } from './log-stream.ts';
import { assertPortsFree } from './port-check.ts';
import { offsetTopology } from './port-offset.ts';
import { loadAllTopologies } from './registry.ts';
import { isSupervisorAlive, livePids, readState, removeState } from './state-file.ts';
import { supervise } from './supervisor.ts';
import { envDigest, settingsChanges, upCommandLine, type RunSettings } from './run-settings.ts';
import { defaultEngine, topologyForEngine } from './topology-engine.ts';
import { topologyAtSize } from './topology-size.ts';

export interface UpOptions {
  readonly readyTimeoutMs: number;
  readonly isFresh: boolean;
  /** Another size the topology declares (`--size 5`); the default size when absent. */
  readonly size?: number;
  /** Another engine the topology declares (`--engine cluster`); the default engine when absent. */
  readonly engine?: string;
  /** Stop a running instance of the pattern first (`--restart`), e.g. to apply another engine or environment. */
  readonly restart?: boolean;
  /** Only for the messages: the command line a learner would type again. */
  readonly detach?: boolean;
}

/** A pattern or the kit demo by name, or a LabError listing the names `up` accepts. */
export async function resolveTopology(name: string): Promise<PatternTopology> {
  const all = await loadAllTopologies();
  const hit = all.find((t) => t.name === name);
  if (!hit) throw new LabError(`unknown pattern '${name}'. Known: ${all.map((t) => t.name).join(', ')}`);
  return hit;
}

/** The topology itself, or a LabError naming the issue that builds it. */
export function assertImplemented(topology: PatternTopology): PatternTopology {
  if (topology.implemented) return topology;
  const issue = topology.issue === undefined ? '' : `: issue #${topology.issue} builds it`;
  throw new LabError(
    `${topology.name} is not implemented yet${issue}. \`pnpm lab list\` shows what runs today.`,
  );
}

/** The topology `up` would run, with the settings that identify the run (engine, size, environment). */
export async function wantedRun(
  name: string,
  options: Pick<UpOptions, 'size' | 'engine'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ readonly topology: PatternTopology; readonly run: RunSettings }> {
  const base = assertImplemented(await resolveTopology(name));
  const topology = topologyAtSize(topologyForEngine(base, options.engine), options.size);
  const size = options.size === undefined || options.size === topology.sizes?.default ? null : options.size;
  return {
    topology,
    run: { engine: options.engine ?? defaultEngine(base), size, envDigest: envDigest(env) },
  };
}

/**
 * Everything `up` checks before it starts a single process: the name, the engine and size, that the
 * pattern is built, that it is not already running (or, with `--restart`, stops it), and that its ports
 * are free. Returns the topology with LAB_PORT_OFFSET applied and the run's settings.
 */
export async function prepareUp(
  name: string,
  settings: LabSettings,
  options: Partial<Pick<UpOptions, 'size' | 'engine' | 'restart' | 'isFresh' | 'detach'>> = {},
): Promise<{ readonly topology: PatternTopology; readonly run: RunSettings }> {
  const { topology, run } = await wantedRun(name, options);
  // redis-server always, etcd for an etcd engine: installed here as root on Debian, else the exact command.
  try {
    ensureSystemPrograms(topology.etcd && topology.etcd.length > 0 ? ['redis', 'etcd'] : ['redis']);
  } catch (error) {
    if (error instanceof MissingSystemProgramError) throw new LabError(error.message);
    throw error;
  }
  const existing = readState(settings.stateDir, name);
  if (existing && isSupervisorAlive(existing)) {
    const changes = settingsChanges(existing, run);
    if (options.restart) {
      console.log(
        `restarting ${name}${changes.length > 0 ? ` (${changes.join('; ')})` : ''}: stopping the running one`,
      );
      await downCommand(name, settings);
    } else {
      const again = upCommandLine(name, options, ['--restart']);
      throw new LabError(
        changes.length > 0
          ? `${name} is already running with other settings (${changes.join('; ')}).\n` +
              `To run it as asked, in this same environment: \`${again}\`\n` +
              `(or \`pnpm lab down ${name}\` first; \`--fresh\` also empties its data)`
          : `${name} is already running (supervisor pid ${existing.supervisorPid}) with these settings; ` +
              `\`${again}\` restarts it, \`pnpm lab down ${name}\` stops it`,
      );
    }
  } else if (existing) {
    // A supervisor that died without its reaper: finish the cleanup before reusing the ports.
    await Promise.all(livePids(existing).map(killPid));
    removeState(settings.stateDir, name);
  }
  const shifted = offsetTopology(topology, settings.portOffset);
  await assertPortsFree(shifted);
  return { topology: shifted, run };
}

/** `lab up <pattern>` in the foreground (and the detached supervisor): runs until a signal. */
export async function runSupervisor(
  name: string,
  settings: LabSettings,
  options: UpOptions & { readonly logFile: string | null },
): Promise<number> {
  const { topology, run } = await prepareUp(name, settings, options);
  const printer = new LogPrinter({
    out: process.stdout,
    isColor: shouldUseColor(process.stdout),
    names: processNamesOf(topology),
  });
  return supervise({ topology, settings, printer, run, ...options });
}

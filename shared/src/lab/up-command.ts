import { killPid } from '../process/pid-control.ts';
import type { PatternTopology } from '../topology/index.ts';
import { LabError } from './lab-error.ts';
import type { LabSettings } from './lab-settings.ts';
import { LogPrinter, shouldUseColor } from './log-stream.ts';
import { assertPortsFree } from './port-check.ts';
import { offsetTopology } from './port-offset.ts';
import { loadAllTopologies } from './registry.ts';
import { isSupervisorAlive, livePids, readState, removeState } from './state-file.ts';
import { supervise } from './supervisor.ts';
import { topologyAtSize } from './topology-size.ts';

export interface UpOptions {
  readonly readyTimeoutMs: number;
  readonly isFresh: boolean;
  /** Another size the topology declares (`--size 5`); the default size when absent. */
  readonly size?: number;
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

/**
 * Everything `up` checks before it starts a single process: the name, that the
 * pattern is built, that it is not already running, and that its ports are free.
 * Returns the topology with LAB_PORT_OFFSET applied.
 */
export async function prepareUp(
  name: string,
  settings: LabSettings,
  size?: number,
): Promise<PatternTopology> {
  const topology = topologyAtSize(assertImplemented(await resolveTopology(name)), size);
  const existing = readState(settings.stateDir, name);
  if (existing && isSupervisorAlive(existing)) {
    throw new LabError(
      `${name} is already running (supervisor pid ${existing.supervisorPid}); \`pnpm lab down ${name}\` stops it`,
    );
  }
  if (existing) {
    // A supervisor that died without its reaper: finish the cleanup before reusing the ports.
    await Promise.all(livePids(existing).map(killPid));
    removeState(settings.stateDir, name);
  }
  const shifted = offsetTopology(topology, settings.portOffset);
  await assertPortsFree(shifted);
  return shifted;
}

/** `lab up <pattern>` in the foreground (and the detached supervisor): runs until a signal. */
export async function runSupervisor(
  name: string,
  settings: LabSettings,
  options: UpOptions & { readonly logFile: string | null },
): Promise<number> {
  const topology = await prepareUp(name, settings, options.size);
  const printer = new LogPrinter({
    out: process.stdout,
    isColor: shouldUseColor(process.stdout),
    names: processNames(topology),
  });
  return supervise({ topology, settings, printer, ...options });
}

const processNames = (topology: PatternTopology): string[] => [
  ...topology.redis.map((r) => r.name),
  ...topology.services.map((s) => s.name),
];

import { engineNamesOf, type PatternTopology } from '../topology/index.ts';
import { LabError } from './lab-error.ts';

/** The engine a topology runs when none is asked for: its default, or null when it declares no engines. */
export function defaultEngine(topology: PatternTopology): string | null {
  return topology.engines?.default ?? null;
}

/**
 * A pattern on another engine (`--engine cluster`): the whole topology that engine declares, with the same
 * name and port block but its own process names. No engine, or the default one, is the topology itself.
 */
export function topologyForEngine(topology: PatternTopology, engine?: string): PatternTopology {
  const engines = topology.engines;
  if (engine === undefined || engine === engines?.default) return topology;
  if (!engines) throw new LabError(`${topology.name} runs on one engine only; drop --engine`);
  const build = engines.others[engine];
  if (!build) {
    throw new LabError(
      `${topology.name} has no engine '${engine}'; its engines: ${engineNamesOf(topology).join(', ')} ` +
        `(default ${engines.default})`,
    );
  }
  const variant = build();
  if (variant.name !== topology.name) {
    throw new Error(`${topology.name}: engine '${engine}' returned topology '${variant.name}'`);
  }
  return variant;
}

/** Every non-default engine of every topology, for compose profiles (`<pattern>-<engine>`). */
export function engineVariants(
  topologies: readonly PatternTopology[],
): { readonly base: PatternTopology; readonly engine: string; readonly variant: PatternTopology }[] {
  return topologies.flatMap((base) =>
    Object.keys(base.engines?.others ?? {}).map((engine) => ({
      base,
      engine,
      variant: topologyForEngine(base, engine),
    })),
  );
}

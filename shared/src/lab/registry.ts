import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PatternTopology } from '../topology/index.ts';
import { topology as kitDemo } from '../demo/topology.ts';

/** The repository root, found from this file's place in `shared/src/lab/`. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The seven patterns, in the order the README lists them. */
export const patternNames = [
  'coordinator-ring',
  'gmail-pubsub',
  'line-streams',
  'quorum-consistency',
  'sharding-replica',
  'distributed-lock',
  'bloom-sstable',
] as const;

export type PatternName = (typeof patternNames)[number];

/**
 * Every pattern's topology, read from `patterns/<name>/src/topology.ts`.
 * Loaded by path so the kit does not depend on the patterns that depend on it.
 */
export async function loadPatternTopologies(root = repoRoot): Promise<PatternTopology[]> {
  const found = existsSync(path.join(root, 'patterns')) ? await readdir(path.join(root, 'patterns')) : [];
  const missing = patternNames.filter((name) => !found.includes(name));
  if (missing.length > 0) throw new Error(`patterns missing from patterns/: ${missing.join(', ')}`);
  return Promise.all(
    patternNames.map(async (name) => {
      const file = path.join(root, 'patterns', name, 'src', 'topology.ts');
      const mod = (await import(pathToFileURL(file).href)) as { topology?: PatternTopology };
      if (!mod.topology || mod.topology.name !== name) {
        throw new Error(`${file} must export \`topology\` with name '${name}'`);
      }
      return mod.topology;
    }),
  );
}

/**
 * Topologies from `LAB_EXTRA_TOPOLOGIES` (absolute paths of modules exporting `topology`, comma-separated):
 * how the runner's own tests start a fixture pattern (e.g. one with engines) through the real CLI.
 * Unset for learners; compose never reads it.
 */
export async function loadExtraTopologies(env: NodeJS.ProcessEnv = process.env): Promise<PatternTopology[]> {
  const files = (env.LAB_EXTRA_TOPOLOGIES ?? '').split(',').filter((file) => file.trim() !== '');
  return Promise.all(
    files.map(async (file) => {
      const mod = (await import(pathToFileURL(path.resolve(file.trim())).href)) as {
        topology?: PatternTopology;
      };
      if (!mod.topology) throw new Error(`${file} (in LAB_EXTRA_TOPOLOGIES) must export \`topology\``);
      return mod.topology;
    }),
  );
}

/** The patterns plus the kit demo (plus any LAB_EXTRA_TOPOLOGIES): everything the runner can start. */
export async function loadAllTopologies(
  root = repoRoot,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PatternTopology[]> {
  return [...(await loadPatternTopologies(root)), kitDemo, ...(await loadExtraTopologies(env))];
}

/** One topology by name, or an error that lists the valid names. */
export async function findTopology(name: string, root = repoRoot): Promise<PatternTopology> {
  const all = await loadAllTopologies(root);
  const hit = all.find((t) => t.name === name);
  if (!hit) {
    throw new Error(`unknown pattern '${name}'. Known: ${all.map((t) => t.name).join(', ')}`);
  }
  return hit;
}

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { composeFilePath, renderCompose, renderSizeOverride, sizeOverridePath } from './compose.ts';
import { loadAllTopologies, repoRoot } from './registry.ts';
import { sizedVariants } from './topology-size.ts';

export interface ComposeCommandOptions {
  /** Compare only: report a stale file instead of writing it (for CI). */
  readonly check?: boolean;
  readonly root?: string;
}

/** `pnpm lab compose [--check]`: writes docker-compose.yml, or checks it is current; returns the exit code. */
export async function composeCommand(options: ComposeCommandOptions = {}): Promise<number> {
  const root = options.root ?? repoRoot;
  // No LAB_EXTRA_TOPOLOGIES: a test fixture never lands in the committed file.
  const topologies = await loadAllTopologies(root, {});
  const files = [
    { file: path.join(root, path.basename(composeFilePath)), expected: renderCompose(topologies) },
    ...sizedVariants(topologies.filter((t) => t.implemented)).map(({ base, size, resized }) => ({
      file: sizeOverridePath(base, size, root),
      expected: renderSizeOverride(base, resized, size),
    })),
  ];
  let code = 0;
  for (const { file, expected } of files) code = Math.max(code, await writeOrCheck(file, expected, options));
  return code;
}

async function writeOrCheck(file: string, expected: string, options: ComposeCommandOptions): Promise<number> {
  const current = existsSync(file) ? await readFile(file, 'utf8') : undefined;
  const shown = path.relative(process.cwd(), file) || file;
  if (options.check) {
    if (current === expected) {
      console.log(`${shown} is up to date`);
      return 0;
    }
    console.error(`${shown} is ${current === undefined ? 'missing' : 'stale'}: run \`pnpm lab compose\``);
    return 1;
  }
  if (current === expected) {
    console.log(`${shown} already up to date`);
    return 0;
  }
  await writeFile(file, expected);
  console.log(`wrote ${shown}`);
  return 0;
}

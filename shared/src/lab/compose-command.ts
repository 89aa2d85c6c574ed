import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { composeFilePath, renderCompose } from './compose.ts';
import { loadAllTopologies, repoRoot } from './registry.ts';

export interface ComposeCommandOptions {
  /** Compare only: report a stale file instead of writing it (for CI). */
  readonly check?: boolean;
  readonly root?: string;
}

/** `pnpm lab compose [--check]`: writes docker-compose.yml, or checks it is current; returns the exit code. */
export async function composeCommand(options: ComposeCommandOptions = {}): Promise<number> {
  const root = options.root ?? repoRoot;
  const file = path.join(root, path.basename(composeFilePath));
  const expected = renderCompose(await loadAllTopologies(root));
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

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importCycles, relativeImports } from './import-graph.ts';

// `pnpm lint` runs this: a file graph with a cycle cannot be read (or split) one file at a time.
const root = path.resolve(import.meta.dirname, '../../..');
const skipped = new Set(['node_modules', 'build', '.lab', '.git', 'coverage']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const roots = ['shared', 'patterns', 'tests'].map((d) => path.join(root, d));
const graph = new Map<string, string[]>();
for (const file of roots.flatMap(sourceFiles)) {
  const targets = relativeImports(readFileSync(file, 'utf8')).map((s) => path.resolve(path.dirname(file), s));
  graph.set(file, targets);
}
const cycles = importCycles(graph);
if (cycles.length > 0) {
  console.error(
    `${cycles.length} import cycle(s): break each by moving the shared types or code to a file both can import.`,
  );
  for (const cycle of cycles) console.error(`  ${cycle.map((f) => path.relative(root, f)).join(' <-> ')}`);
  process.exitCode = 1;
} else {
  console.log(`no import cycles in ${graph.size} files`);
}

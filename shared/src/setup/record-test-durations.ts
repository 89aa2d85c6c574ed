import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { durationsFile } from './longest-first-sequencer.ts';

/**
 * Writes tests/test-durations.json from vitest's cache of the last run (node_modules/.vite/vitest), so
 * the sequencer starts the longest files first on a fresh clone. Run it after a whole `pnpm test`.
 */
const cacheDir = resolve(import.meta.dirname, '../../../node_modules/.vite/vitest');
const durations: Record<string, number> = {};
const entries = (() => {
  try {
    return readdirSync(cacheDir, { withFileTypes: true });
  } catch {
    console.error(`no vitest cache in ${cacheDir}: run the whole \`pnpm test\` first`);
    process.exit(1);
  }
})();
for (const entry of entries) {
  if (!entry.isDirectory()) continue;
  const file = join(cacheDir, entry.name, 'results.json');
  let cache: { results: [string, { duration?: number }][] };
  try {
    cache = JSON.parse(readFileSync(file, 'utf8')) as typeof cache;
  } catch {
    continue;
  }
  for (const [key, { duration }] of cache.results) {
    // Keys are "<project>:<path>"; this workspace runs one unnamed project.
    const path = key.slice(key.indexOf(':') + 1);
    if (duration !== undefined && duration > 0) durations[path] = Math.round(duration / 100) / 10;
  }
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(durationsFile, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${Object.keys(sorted).length} test files' durations written to ${durationsFile}`);

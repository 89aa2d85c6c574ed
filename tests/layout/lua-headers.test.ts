import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// One header for every Lua script, so a reader knows where to look for what a script touches and answers:
//
//   -- <file name>: <what it does, in a sentence or more>
//   --
//   -- KEYS[1]  <what the key holds>
//   -- ARGV[1]  <what the argument means>
//   --
//   -- Returns  <every answer it can give>
//
// then the code. Every KEYS[n] and ARGV[n] the body uses is named in the header.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function luaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : luaFiles(full);
    return entry.name.endsWith('.lua') ? [full] : [];
  });
}

const scripts = luaFiles(path.join(root, 'patterns')).map((file) => path.relative(root, file));

function headerOf(source: string): { header: string[]; body: string } {
  const lines = source.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('--'));
  const cut = end === -1 ? lines.length : end;
  return { header: lines.slice(0, cut), body: lines.slice(cut).join('\n') };
}

describe('Lua script headers', () => {
  it('finds the scripts', () => {
    expect(scripts.length).toBeGreaterThan(10);
  });

  it.each(scripts)('%s has the house header', (file) => {
    const source = readFileSync(path.join(root, file), 'utf8');
    const { header, body } = headerOf(source);
    const name = path.basename(file, '.lua');
    expect(header[0], 'first line names the script').toMatch(new RegExp(`^-- ${name}: \\S`));
    expect(
      header.some((line) => /^-- Returns\s+\S/.test(line)),
      'a "-- Returns" line',
    ).toBe(true);
    const used = new Set([...body.matchAll(/\b(KEYS|ARGV)\[(\d+)\]/g)].map((m) => `${m[1]}[${m[2]}]`));
    const named = new Set(
      header.flatMap((line) =>
        [...line.matchAll(/^-- (KEYS|ARGV)\[(\d+)\]/g)].map((m) => `${m[1]}[${m[2]}]`),
      ),
    );
    for (const ref of used) expect(named.has(ref), `${ref} is named in the header`).toBe(true);
  });
});

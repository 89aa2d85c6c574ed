import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../src/config.ts';

const readme = readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
  'utf8',
);

describe('README', () => {
  it('documents every environment variable the router reads', () => {
    for (const name of configVariables) expect(readme, name).toContain(`\`${name}\``);
  });

  it('has the eleven lab exercises the exercise tests run, a mermaid diagram and the bench command', () => {
    for (let n = 1; n <= 11; n++) expect(readme).toMatch(new RegExp(`^### ${n}\\. `, 'm'));
    expect(readme).toContain('```mermaid');
    expect(readme).toContain('pnpm bench sharding-replica');
  });
});

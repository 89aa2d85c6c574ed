import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.ts';
import { lineStreamsErrors } from '../src/errors.ts';
import { packageDir } from './support/line-streams-lab.ts';

const readme = readFileSync(path.join(packageDir, 'README.md'), 'utf8');

describe('README stays in step with the code', () => {
  it('when a setting exists in config.ts, then the configuration table lists it with its default', () => {
    const defaults = configSchema.parse({}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(defaults)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      expect(row, name).toContain(`\`${String(value)}\``);
    }
  });

  it('when the pattern defines an error code, then the errors table names it with its status', () => {
    for (const [code, kind] of Object.entries(lineStreamsErrors)) {
      const row = readme.split('\n').find((line) => line.includes(`\`${code}\``) && line.startsWith('|'));
      expect(row, code).toContain(String(kind.status));
    }
  });
});

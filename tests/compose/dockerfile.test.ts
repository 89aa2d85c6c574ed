import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@kvs-lab/shared/lab';

/**
 * Node's Active LTS line when this was written (November 2026: Node 26, LTS since
 * late October 2026). Bump it, and the Dockerfile's FROM, when the next LTS starts.
 */
const nodeLtsMajor = 26;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile as instructions: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
const all = (keyword: string): string[] => dockerfile.filter((i) => i.keyword === keyword).map((i) => i.args);
const rootPackage = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  packageManager?: string;
  engines?: { node?: string };
};

describe('the Dockerfile builds any pattern', () => {
  it('starts from the current Node LTS image, and every later stage from it or an earlier stage', () => {
    const froms = all('FROM').map((args) => args.split(/\s+/));
    const stages: string[] = [];
    expect(froms.length).toBeGreaterThan(0);
    froms.forEach(([image = '', as, stage], i) => {
      if (i === 0 || !stages.includes(image)) expect(image).toBe(`node:${nodeLtsMajor}-slim`);
      if (as?.toUpperCase() === 'AS' && stage !== undefined) stages.push(stage);
    });
  });

  it('runs on a Node version the workspace engines field accepts', () => {
    const minimum = /(\d+)/.exec(rootPackage.engines?.node ?? '')?.[1];
    expect(nodeLtsMajor).toBeGreaterThanOrEqual(Number(minimum));
  });

  it('installs the same pnpm as packageManager pins, with npm (corepack fails its signature check)', () => {
    const pinned = /^pnpm@([^+]+)/.exec(rootPackage.packageManager ?? '')?.[1];
    expect(pinned).toBe('10.34.9');
    expect(all('RUN').some((run) => run.includes(`npm i -g pnpm@${pinned}`))).toBe(true);
    expect(all('RUN').some((run) => /pnpm install --frozen-lockfile/.test(run))).toBe(true);
  });

  it('takes APP_DIR and APP_ENTRY as build arguments and keeps the entry for run time', () => {
    expect(all('ARG')).toEqual(expect.arrayContaining(['APP_DIR', 'APP_ENTRY']));
    expect(all('ENV').join(' ')).toMatch(/APP_ENTRY=\$\{APP_ENTRY\}/);
    expect(all('WORKDIR').at(-1)).toBe('/app/${APP_DIR}');
    expect(all('CMD').at(-1)).toMatch(/node --import tsx "?\$\{?APP_ENTRY\}?"?/);
  });

  it('copies the install manifests before the sources, so a source edit keeps the install layer', () => {
    const keywords = dockerfile.map((i) => `${i.keyword} ${i.args}`);
    const install = keywords.findIndex((k) => k.includes('pnpm install'));
    const manifests = keywords.findIndex((k) => k.startsWith('COPY --from=manifests'));
    const sources = keywords.findLastIndex((k) => k === 'COPY . .');
    expect(manifests).toBeGreaterThan(-1);
    expect(manifests).toBeLessThan(install);
    expect(install).toBeLessThan(sources);
  });

  it('runs as a non-root user', () => {
    const user = all('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
  });

  it('keeps node_modules, build output, runner state and git out of the build context', () => {
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/build', '.lab', '.git', '**/bench/results']) {
      expect(ignored).toContain(entry);
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPortFree } from '@kvs-lab/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's commands pasted as written into bash, against the lab started by the real runner
// (`pnpm lab up --detach --fresh`) at a port offset: a README that drifts from the runner fails here.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const stateDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-quorum-readme-'));
let portOffset = 0;

/** The shell blocks of the README section whose heading starts with `heading`. */
function shellBlocks(heading: string): string[] {
  const start = readme.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`no README section ${heading}`);
  const rest = readme.slice(start + heading.length + 1);
  // The next heading ends the section (a `#` comment inside a shell block does not).
  const end = rest.search(/\n#{2,4} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

/** Runs `script` in bash with the lab's state dir and port offset, as a learner's shell would have them. */
function bash(
  script: string,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV'),
    );
    const child = spawn('bash', ['-c', script], {
      cwd: repoRoot,
      env: {
        ...env,
        CI: 'true',
        LAB_STATE_DIR: stateDir,
        LAB_PORT_OFFSET: String(portOffset),
        NO_COLOR: '1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** curl -s prints no newline: one JSON answer per line, whatever printed it. */
const answers = (stdout: string): string[] =>
  stdout
    .replace(/\}\{"/g, '}\n{"')
    .split('\n')
    .filter((line) => line.startsWith('{'));

const addresses = () => shellBlocks('### The addresses, once')[0] ?? '';

beforeAll(async () => {
  for (;;) {
    portOffset = 20_000 + 1_000 * Math.floor(Math.random() * 10);
    if ((await isPortFree(7401 + portOffset)) && (await isPortFree(7413 + portOffset))) break;
  }
  const up = await bash('pnpm --silent lab up quorum-consistency --detach --fresh', 90_000);
  expect(up.code, up.stderr).toBe(0);
}, 100_000);

afterAll(async () => {
  await bash('pnpm --silent lab down quorum-consistency');
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('README commands through the real runner, at a port offset', () => {
  it('exercise 2 as pasted: siblings under vector clocks, one value and a lost write under last-write-wins', async () => {
    const [block] = shellBlocks('### 2. Concurrent writes');
    const run = await bash(`${addresses()}\n${block ?? ''}`);
    expect(run.code, run.stderr).toBe(0);
    const lines = answers(run.stdout);
    const reads = lines.filter((line) => line.startsWith('{"key":"ex2-cart"') && line.includes('"values"'));
    expect(reads[0]).toContain('"apples"');
    expect(reads[0]).toContain('"pears"');
    expect(reads[1]).toContain('"apples,pears"');
    const lww = lines.find((line) => line.startsWith('{"key":"ex2-cart-lww"') && line.includes('"values"'));
    expect(lww).toContain('"pears"');
    expect(lww).not.toContain('"apples"');
    expect(run.stdout).toMatch(/"valid":false/);
    expect(run.stdout).toMatch(/last-write-wins/);
  });

  it('exercise 3 as pasted: a write made while replica-3 is killed reaches it through a hint after the restart', async () => {
    const [block] = shellBlocks('### 3. Kill a replica');
    const run = await bash(`${addresses()}\n${block ?? ''}`, 90_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('"hinted":[{"target":"replica-3","heldBy":"replica-1"}]');
    // The last two commands: no hint pending, and replica-3 holds the value.
    const [hints, replicas] = answers(run.stdout)
      .slice(-2)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(hints?.pending).toEqual([]);
    const third = (replicas?.replicas as { node: string; versions: { value: string }[] }[]).find(
      (replica) => replica.node === 'replica-3',
    );
    expect(third?.versions.map((version) => version.value)).toEqual(['while you were out']);
  });
});

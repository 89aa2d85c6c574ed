import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '@kvs-lab/shared/testing';

// The README's commands pasted as written into bash, against the lab started by the real runner at a port
// offset (each exercise starts with `pnpm lab up line-streams --restart --fresh --detach`): a README that
// drifts from the runner or the API fails here.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const stateDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-streams-readme-'));
let portOffset = 0;

/** The bash blocks of the README section whose heading starts with `heading`. */
function bashBlocks(heading: string): string[] {
  const start = readme.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`no README section ${heading}`);
  const rest = readme.slice(start + heading.length + 1);
  const end = rest.search(/\n#{2,4} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

/** Runs `script` in bash with the lab's state dir and port offset, as a learner's shell would have them. */
function bash(
  script: string,
  timeoutMs = 90_000,
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

/** The first block of "Try it": the addresses and headers every exercise uses. */
const addresses = () => bashBlocks('### Try it')[0] ?? '';

beforeAll(async () => {
  for (;;) {
    portOffset = 21_000 + 1_000 * Math.floor(Math.random() * 10);
    if ((await isPortFree(7301 + portOffset)) && (await isPortFree(7310 + portOffset))) break;
  }
}, 30_000);

afterAll(async () => {
  await bash('pnpm --silent lab down line-streams', 60_000);
  rmSync(stateDir, { recursive: true, force: true });
}, 70_000);

describe('README exercises through the real runner, at a port offset', () => {
  it('exercise 4 as pasted: a retry is 200 with the first id, a reused key 409, the record a hash with a TTL', async () => {
    const [block] = bashBlocks('### 4. Send the same message twice');
    const run = await bash(`set -e\n${addresses()}\n${block ?? ''}`);
    expect(run.code, run.stderr).toBe(0);
    // curl -i prints no newline after a body: the next status line follows it on the same line.
    const statuses = [...run.stdout.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(['201', '200', '409']);
    expect(run.stdout).toContain('"code":"IDEMPOTENCY_KEY_REUSED"');
    expect(run.stdout).toMatch(/^digest$/m);
    const ttl = Number(run.stdout.trim().split('\n').at(-1));
    expect(ttl).toBeGreaterThan(86_000_000);
  }, 120_000);

  it('exercise 6 as pasted: with two workers and concurrent sends, bob sees the room in stream order and /check holds', async () => {
    const [block] = bashBlocks('### 6. Ordering');
    const run = await bash(`set -e\n${addresses()}\n${block ?? ''}`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('same order');
    expect(run.stdout).toMatch(/"valid":true/);
  }, 120_000);
});

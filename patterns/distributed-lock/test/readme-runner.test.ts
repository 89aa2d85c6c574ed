import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '@kvs-lab/shared/testing';

// A README exercise pasted as written into bash, against the lab the real runner started
// (`pnpm lab up distributed-lock --detach --fresh`) at a port offset in its own state dir:
// a README that drifts from the runner or the API fails here.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const stateDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-lock-readme-'));
const hasJq = spawnSync('jq', ['--version']).status === 0;
let portOffset = 0;

/** The ```bash blocks of the README section whose heading starts with `heading`. */
function bashBlocks(heading: string): string[] {
  const start = readme.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`no README section ${heading}`);
  const rest = readme.slice(start + heading.length + 1);
  const end = rest.search(/\n#{2,4} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

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
        LAB_STATE_DIR: stateDir,
        LAB_PORT_OFFSET: String(portOffset),
        NO_COLOR: '1',
        LOG_LEVEL: 'warn',
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

describe.skipIf(!hasJq)('README exercises through the real runner', () => {
  beforeAll(async () => {
    for (;;) {
      portOffset = 30_000 + 1_000 * Math.floor(Math.random() * 10);
      if ((await isPortFree(7601 + portOffset)) && (await isPortFree(7620 + portOffset))) break;
    }
    const up = await bash('pnpm --silent lab up distributed-lock --detach --fresh', 90_000);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
  }, 100_000);

  afterAll(async () => {
    await bash('pnpm --silent lab down distributed-lock').catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('exercise 7 as pasted: lock-a trace shows the stale write refused by the resource, with the token that beat it', async () => {
    const [addresses] = bashBlocks('## Lab exercises');
    const [steps] = bashBlocks('### 7. Find the refused write in the trace');
    const run = await bash(`set -e\n${addresses}\n${steps}\necho "T1=$T1 T2=$T2"`);
    expect(run.code, run.stderr).toBe(0);
    const [, t1, t2] = /T1=(\d+) T2=(\d+)/.exec(run.stdout) ?? [];
    expect(Number(t2)).toBeGreaterThan(Number(t1));
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => /\tlock-\d -> lock-a\tvote-granted/.test(l))).toHaveLength(5);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`\\tlock-a -> fenced-store\\tfenced-write\\t${t1}\\t`)),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`\\tfenced-store -> lock-a\\twrite-stale\\t${t1}\\t${t2}$`)),
    );
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// A README exercise pasted as written into bash, against the lab the real runner started
// (`pnpm lab up distributed-lock --detach --fresh`) at a port offset in its own state dir:
// a README that drifts from the runner or the API fails here.
const lab = readmeRunner({ topology, readme: new URL('../README.md', import.meta.url) });

describe.skipIf(!lab.usable)('README exercises through the real runner', () => {
  beforeAll(() => lab.upOrThrow(), 130_000);
  afterAll(() => lab.down(), 60_000);

  it('exercise 7 as pasted: lock-a trace shows the stale write refused by the resource, with the token that beat it', async () => {
    const [addresses] = lab.shellBlocks('## Lab exercises');
    const [steps] = lab.shellBlocks('### 7. Find the refused write in the trace');
    const run = await lab.bash(`set -e\n${addresses}\n${steps}\necho "T1=$T1 T2=$T2"`);
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

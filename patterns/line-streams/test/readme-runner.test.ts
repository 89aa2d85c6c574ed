import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// The README's commands pasted as written into bash, against the lab started by the real runner at a port
// offset (each exercise starts with `pnpm lab up line-streams --restart --fresh --detach`): a README that
// drifts from the runner or the API fails here.
const lab = readmeRunner({ topology, readme: new URL('../README.md', import.meta.url) });

/** The first block of "Try it": the addresses and headers every exercise uses. */
const addresses = () => lab.shellBlocks('### Try it')[0] ?? '';

describe.skipIf(!lab.usable)('README exercises through the real runner, at a port offset', () => {
  beforeAll(async () => {
    await lab.choosePortOffset();
  }, 30_000);

  afterAll(() => lab.down(), 70_000);

  it('exercise 4 as pasted: a retry is 200 with the first id, a reused key 409, the record a hash with a TTL', async () => {
    const [block] = lab.shellBlocks('### 4. Send the same message twice');
    const run = await lab.bash(`set -e\n${addresses()}\n${block ?? ''}`);
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
    const [block] = lab.shellBlocks('### 6. Ordering');
    const run = await lab.bash(`set -e\n${addresses()}\n${block ?? ''}`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('same order');
    expect(run.stdout).toMatch(/"valid":true/);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// The README's commands pasted as written into bash, against the lab started by the real runner
// (`pnpm lab up --detach --fresh`) at a port offset: a README that drifts from the runner fails here.
const lab = readmeRunner({ topology, readme: new URL('../README.md', import.meta.url) });

/** curl -s prints no newline: one JSON answer per line, whatever printed it. */
const answers = (stdout: string): string[] =>
  stdout
    .replace(/\}\{"/g, '}\n{"')
    .split('\n')
    .filter((line) => line.startsWith('{'));

const addresses = () => lab.shellBlocks('### The addresses, once')[0] ?? '';

describe.skipIf(!lab.usable)('README commands through the real runner, at a port offset', () => {
  beforeAll(() => lab.upOrThrow(), 130_000);
  afterAll(() => lab.down(), 60_000);

  it('exercise 2 as pasted: siblings under vector clocks, one value and a lost write under last-write-wins', async () => {
    const [block] = lab.shellBlocks('### 2. Concurrent writes');
    const run = await lab.bash(`${addresses()}\n${block ?? ''}`);
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
    const [block] = lab.shellBlocks('### 3. Kill a replica');
    const run = await lab.bash(`${addresses()}\n${block ?? ''}`, 90_000);
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
    // The pasted block may take up to its 90 s bash budget on a loaded machine: vitest's 30 s default cut it first.
  }, 120_000);
});

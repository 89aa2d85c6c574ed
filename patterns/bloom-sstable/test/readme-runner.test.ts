import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonValues, readmeRunner } from '@kvs-lab/shared/testing';
import { topology } from '../src/topology.ts';

// The README's exercise blocks pasted as written into bash (each starts with `fresh env`: `pnpm lab down`, then
// `pnpm lab up bloom-sstable --fresh --detach`), against the lab the real runner started at a port offset, in a
// state dir of its own: a README that drifts from the runner or the API fails here.
const lab = readmeRunner({ topology, readme: new URL('../README.md', import.meta.url) });

/** Every JSON object the script printed, in order: curl prints bodies with no newline, so they share lines. */
const jsonObjects = (text: string): Record<string, unknown>[] =>
  jsonValues(text).filter(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
  );

interface BloomCheck {
  to: string;
  detail: { key: string; file: number; bloom: 'no' | 'maybe'; blockRead: boolean; found: boolean };
}

interface Probes {
  probes: number;
  observedFalsePositiveRate: number;
  theoreticalFalsePositiveRate: number;
  fractionTouchingNoData: number;
}

/** The addresses, the content-type header and `fresh`, pasted once per shell. */
const setup = (): string => lab.shellBlocks('## Lab exercises')[0] ?? '';

describe.skipIf(!lab.usable)('README exercises through the real runner, at a port offset', () => {
  beforeAll(() => lab.upOrThrow(), 130_000);
  afterAll(() => lab.down(), 60_000);

  it('exercise 2 as pasted: the filters skip absent keys at about the theoretical rate; at 4 bits per key far fewer', async () => {
    const [steps] = lab.shellBlocks('### 2. Bloom filters');
    expect(steps).toContain('redis-cli -p $RESP --pipe');
    const run = await lab.bash(`set -e\n${setup()}\n${steps}`, 150_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/errors: 0, replies: 2000/);
    const objects = jsonObjects(run.stdout);

    const compactions = objects.filter((o) => o.compacted === true);
    expect(compactions).toHaveLength(2);
    expect(compactions[0]).toMatchObject({ entriesIn: 2000, entriesOut: 2000 });

    const probes = objects.filter((o) => typeof o.probes === 'number') as unknown as Probes[];
    expect(probes).toHaveLength(2);
    const [at10, at4] = probes as [Probes, Probes];
    expect(at10.probes).toBe(20_000);
    expect(at10.theoreticalFalsePositiveRate).toBeCloseTo(0.0082, 3);
    expect(at10.observedFalsePositiveRate).toBeLessThanOrEqual(at10.theoreticalFalsePositiveRate * 1.5);
    expect(at10.fractionTouchingNoData).toBeGreaterThanOrEqual(0.98);

    const absent = objects.find((o) => o.key === 'user:1~absent');
    expect(absent).toMatchObject({
      status: 404,
      code: 'KEY_NOT_FOUND',
      trace: { bloomNegatives: 1, sstablesRead: 0 },
    });
    expect(objects.find((o) => 'bitsPerKey' in o)).toEqual({ bitsPerKey: 4 });

    expect(at4.theoreticalFalsePositiveRate).toBeCloseTo(0.147, 2);
    expect(at4.observedFalsePositiveRate).toBeGreaterThan(at10.observedFalsePositiveRate * 5);
    expect(at4.observedFalsePositiveRate).toBeLessThanOrEqual(at4.theoreticalFalsePositiveRate * 1.5);
    expect(at4.fractionTouchingNoData).toBeLessThan(at10.fractionTouchingNoData);
  }, 180_000);

  it('exercise 9 as pasted: in the trace, the filters that said no read no block; the one that said maybe read it', async () => {
    const [steps] = lab.shellBlocks('### 9. Find the Bloom filter that saved a read');
    expect(steps).toContain('/trace');
    const run = await lab.bash(`set -e\n${setup()}\n${steps}`, 150_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const objects = jsonObjects(run.stdout);

    // The two flushes, older first: each wrote one L0 table of three keys.
    const flushes = objects.filter((o) => typeof o.fileNumber === 'number');
    expect(flushes).toHaveLength(2);
    expect(flushes.map((f) => f.entries)).toEqual([3, 3]);
    const [older, newer] = flushes.map((f) => f.fileNumber as number) as [number, number];
    expect(newer).toBeGreaterThan(older);

    const absent = objects.find((o) => o.key === 'user:35');
    expect(absent).toMatchObject({
      status: 404,
      trace: { bloomChecks: 2, bloomNegatives: 2, sstablesRead: 0 },
    });
    const present = objects.find((o) => o.key === 'user:3' && 'value' in o);
    expect(present).toMatchObject({ value: 'v3', servedFrom: 'sstable', trace: { sstablesRead: 1 } });

    const checks = (key: string): BloomCheck[] =>
      objects.filter((o): o is Record<string, unknown> & BloomCheck => {
        const detail = o.detail as { key?: unknown } | undefined;
        return 'to' in o && detail?.key === key;
      });
    expect(checks('user:35')).toEqual([
      { to: 'L0', detail: { key: 'user:35', file: newer, bloom: 'no', blockRead: false, found: false } },
      { to: 'L0', detail: { key: 'user:35', file: older, bloom: 'no', blockRead: false, found: false } },
    ]);
    expect(checks('user:3')).toEqual([
      { to: 'L0', detail: { key: 'user:3', file: newer, bloom: 'no', blockRead: false, found: false } },
      { to: 'L0', detail: { key: 'user:3', file: older, bloom: 'maybe', blockRead: true, found: true } },
    ]);
  }, 180_000);
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../support/lab-cli.ts';
import type { RunningLab } from './running-lab.ts';

/**
 * `pnpm lab nemesis` end to end: seeded runs of workload and faults (real SIGKILL/SIGSTOP
 * through the supervisor, /chaos link cuts) against every running pattern, judged by each
 * pattern's own /check. Verdicts are asserted, never timings.
 */

interface NemesisJson {
  results: { seed: number; valid: boolean; faultsApplied: number; schedule: string[]; sentence: string }[];
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as NemesisJson;
const short = ['--runs', '1', '--duration', '4s', '--rate', '1/s', '--concurrency', '3'];

export function describeNemesis(lab: () => RunningLab): void {
  describe('lab nemesis', () => {
    it('on every pattern at its defaults, a short seeded run with faults is valid', async () => {
      const runs = await Promise.all(
        lab().topologies.map(async ({ name }) => {
          const json = path.join(lab().stateDir, `${name}-defaults.json`);
          return {
            name,
            json,
            run: await lab().cli.run('nemesis', name, '--seed', '21', ...short, '--json', json),
          };
        }),
      );
      for (const { name, json, run } of runs) {
        expect(run.code, `${name}: ${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout, name).toMatch(/1 of 1 runs valid/);
        const [result] = readJson(json).results;
        expect(result?.faultsApplied, name).toBeGreaterThanOrEqual(2);
      }
    }, 240_000);

    it('the same seed applies the same fault schedule', async () => {
      const files = ['first', 'second'].map((n) => path.join(lab().stateDir, `lock-${n}.json`));
      for (const file of files) {
        const run = await lab().cli.run(
          'nemesis',
          'distributed-lock',
          '--seed',
          '99',
          ...short,
          '--json',
          file,
        );
        expect(run.code, run.stderr).toBe(0);
      }
      const [first, second] = files.map((file) => readJson(file).results[0]?.schedule);
      expect(first?.length).toBeGreaterThanOrEqual(2);
      expect(second).toEqual(first);
    }, 120_000);

    it.each([
      ['distributed-lock', 'fencing-off', 'kill,pause', /accepted token \d+ after token \d+/],
      ['quorum-consistency', 'w1r1', 'kill,pause,slow', /stale read/],
      ['sharding-replica', 'async', 'kill', /acknowledged with durability=async were lost/],
    ])(
      'with %s broken on purpose (--variant %s), the runner finds the bug and prints a seed that replays it',
      async (name, variant, faults, sentence) => {
        const run = await lab().cli.run(
          'nemesis',
          name,
          '--seed',
          '1',
          '--runs',
          '3',
          '--duration',
          '5s',
          '--rate',
          '0.6/s',
          '--faults',
          faults,
          '--variant',
          variant,
        );
        expect(run.code, run.stdout).toBe(1);
        expect(run.stdout).toMatch(sentence);
        expect(run.stdout).toMatch(
          new RegExp(`replay: pnpm lab nemesis ${name} --seed \\d+ --runs 1 .*--variant ${variant}`),
        );
      },
      180_000,
    );

    it('Ctrl-C in the middle of a run heals every fault it applied before leaving', async () => {
      const child = lab().cli.start([
        'nemesis',
        'quorum-consistency',
        '--seed',
        '5',
        '--runs',
        '1',
        '--duration',
        '20s',
        '--rate',
        '3/s',
        '--faults',
        'pause,kill',
      ]);
      // Wait until the run has started, then a moment more so faults are in force.
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('nemesis quorum-consistency:')) setTimeout(resolve, 3_000);
        });
      });
      child.kill('SIGINT');
      const run = await collect(child);
      expect(run.code, run.stderr).toBe(130);
      const status = await lab().cli.run('status', '--json');
      const processes = (
        JSON.parse(status.stdout) as Record<string, { processes: { name: string; state: string }[] }>
      )['quorum-consistency']?.processes;
      expect(processes?.length).toBeGreaterThan(0);
      expect(processes?.filter((p) => p.state !== 'running')).toEqual([]);
    }, 120_000);
  });
}

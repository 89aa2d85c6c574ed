import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';
import { longestFirst } from './longest-first.ts';

/** Seconds per test file, measured by a whole-suite run (`pnpm test:durations` rewrites it). */
export const durationsFile = resolve(import.meta.dirname, '../../../tests/test-durations.json');

/** Test files that start whole labs through the real runner: never two at once (see longestFirst). */
const startsWholeLab = ['tests/whole-lab/', 'tests/lab/'];

const maxWorkers = (configured: number | string | undefined): number =>
  typeof configured === 'number' && configured > 0 ? configured : 2;

/**
 * Starts the test files longest first by their committed, measured durations, so a fresh clone (which has
 * no vitest cache to sort by) schedules the two workers as well as a warm one.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    return Promise.resolve(
      longestFirst(files, (file) => relative(root, file.moduleId), readDurations(), {
        workers: maxWorkers(this.ctx.config.maxWorkers),
        isExclusive: (path) => startsWholeLab.some((prefix) => path.startsWith(prefix)),
      }),
    );
  }
}

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8')) as Record<string, number>;
  } catch {
    // No record yet (or a broken one): every file counts as unknown, in vitest's own order.
    return {};
  }
}

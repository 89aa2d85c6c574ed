import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './shared/src/setup/longest-first-sequencer.ts';

// One run for the whole workspace: pure unit tests sit beside their files,
// integration tests start their own redis-server processes on free ports.
export default defineConfig({
  test: {
    include: [
      'shared/src/**/*.test.ts',
      'patterns/*/src/**/*.test.ts',
      'patterns/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'tests/docker/**'],
    // redis-server and etcd are the only system programs the suites need: installed or explained once, up front.
    globalSetup: ['shared/src/setup/vitest-global-setup.ts'],
    pool: 'forks',
    // Two files at a time: most of a suite's time is waiting on redis-server, etcd and service processes,
    // so two workers nearly halve the wall time on 2 cores. Tests that start the real runner claim
    // their ports across workers (shared/src/testing/port-reservation.ts), below the ephemeral range.
    maxWorkers: 2,
    // Longest files first, by the durations committed in tests/test-durations.json: a fresh clone has no
    // vitest cache, and its default order left the whole-lab file (minutes long, a few lines) for last.
    // Files that start whole labs are kept from running at the same time (shared/src/setup/longest-first.ts).
    sequence: { sequencer: LongestFirstSequencer },
    // Limits for a hang, not for speed: with two files at once the load here has reached 14 on 2 cores, and
    // a browser test that takes 8 s idle then needed more than 30 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

import { defineConfig } from 'vitest/config';

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
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});

import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The optional Docker e2e suite (`pnpm test:docker`): it builds images and starts
// containers, so it stays out of `pnpm test` and skips itself when no engine answers.
export default defineConfig({
  root: path.resolve(import.meta.dirname, '../..'),
  test: {
    include: ['tests/docker/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    // One suite at a time: two suites bringing profiles up would fight over host ports.
    fileParallelism: false,
    // The first image build installs the whole workspace.
    testTimeout: 120_000,
    hookTimeout: 15 * 60_000,
    reporters: ['default'],
  },
});

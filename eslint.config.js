// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/build/**', '.lab/**', '**/web/**/*.js', 'patches/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A file past ~400 lines usually holds two things: split it along its seam (a warning, not a wall).
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }] },
  },
  {
    // domain/ is the algorithm as a text: pure, no I/O, no clocks, no randomness.
    files: ['**/src/domain/**/*.ts'],
    // A domain test may use the kit's given/when/then helpers; what it tests is still pure.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'express',
                'ioredis',
                'socket.io',
                'socket.io-client',
                'redlock',
                'etcd3',
                'classic-level',
                'node:*',
                'fs',
                'fs/*',
                'crypto',
                'net',
                'http',
                'child_process',
                '@kvs-lab/shared/service',
                '@kvs-lab/shared/redis',
                '@kvs-lab/shared/lab',
                '@kvs-lab/shared/testing',
                '**/store/**',
                '**/http/**',
                '**/realtime/**',
              ],
              message: 'domain/ is pure: pass results of I/O in as arguments.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pass time in as an argument.' },
        { object: 'Math', property: 'random', message: 'Pass randomness in as an argument.' },
        { object: 'performance', property: 'now', message: 'Pass time in as an argument.' },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'].map((name) => ({
          name,
          message: 'domain/ does not schedule: the service around it owns timers.',
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Pass time in as an argument.',
        },
      ],
    },
  },
  {
    // supertest and socket.io-client hand tests `any` bodies; the assertions are the type check there.
    files: ['**/*.test.ts', 'tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);

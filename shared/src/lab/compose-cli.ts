import { composeCommand } from './compose-command.ts';

// Stand-alone entry until `pnpm lab compose` is wired into the runner's CLI:
//   tsx shared/src/lab/compose-cli.ts [--check]
process.exitCode = await composeCommand({ check: process.argv.slice(2).includes('--check') });

import { compareFilters, comparePolicies } from './experiments.ts';

// pnpm exec tsx patterns/gmail-pubsub/src/client/experiment-cli.ts policies|filters [urlA] [urlB]
// Runs an exercise against a running lab (`pnpm lab up gmail-pubsub`) and prints what it saw.
const [experiment, a = 'http://127.0.0.1:7201', b = 'http://127.0.0.1:7202'] = process.argv.slice(2);
if (experiment === 'policies') console.table(await comparePolicies({ a, b }));
else if (experiment === 'filters') console.table(await compareFilters({ a, b }));
else {
  console.error('usage: experiment-cli.ts policies|filters [urlA] [urlB]');
  process.exitCode = 1;
}

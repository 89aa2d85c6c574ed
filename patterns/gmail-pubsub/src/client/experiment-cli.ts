import { compareFilters, comparePolicies } from './experiments.ts';

const usage = `usage: pnpm exec tsx patterns/gmail-pubsub/src/client/experiment-cli.ts policies|filters [urlA] [urlB]

Runs exercise 4 (policies) or 5 (filters) of the README against a running lab
(pnpm lab up gmail-pubsub) and prints what it saw.
  urlA, urlB  the two instances; default http://127.0.0.1:7201 and :7202, moved by LAB_PORT_OFFSET
              as \`pnpm lab up\` moves them.`;

const offset = Number(process.env.LAB_PORT_OFFSET ?? 0);
if (!Number.isInteger(offset)) {
  console.error(`LAB_PORT_OFFSET must be an integer, got ${process.env.LAB_PORT_OFFSET}`);
  process.exit(2);
}
const [experiment, a = `http://127.0.0.1:${7201 + offset}`, b = `http://127.0.0.1:${7202 + offset}`] =
  process.argv.slice(2);
if (experiment === 'policies') console.table(await comparePolicies({ a, b }));
else if (experiment === 'filters') console.table(await compareFilters({ a, b }));
else {
  console.error(usage);
  process.exitCode = 1;
}
// The clients are closed, but fetch keeps idle connections alive for a few seconds: a CLI exits when it is done.
process.exit();

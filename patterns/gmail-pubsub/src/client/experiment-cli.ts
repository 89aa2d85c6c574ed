import { compareFilters, comparePolicies, compareRecovery, stallClient } from './experiments.ts';
import { sessionGone } from './recovery-window.ts';

const usage = `usage: pnpm exec tsx patterns/gmail-pubsub/src/client/experiment-cli.ts policies|filters|recovery|stall [urlA] [urlB] [redisUrl]

Runs exercise 4 (policies), 5 (filters) or 7 (recovery) of the README against a running lab
(pnpm lab up gmail-pubsub [--engine socketio-adapter]) and prints what it saw.
  urlA, urlB  the two instances; default http://127.0.0.1:7201 and :7202, moved by LAB_PORT_OFFSET
              as \`pnpm lab up\` moves them.
  redisUrl    the lab's Redis; default redis://127.0.0.1:7210, moved the same way.
  recovery    before the second reconnection, waits until Redis has expired the dropped socket's saved
              session (socketio-adapter engine; at once on the pubsub engine), for at most RECOVERY_WAIT_MS
              (default 30000): start the lab with RECOVERY_MAX_DISCONNECTION_MS below it.
  stall       a client on urlB stops reading while 100 mails arrive, for STALL_SECONDS (default 30) so the
              live view can be watched, then reads again and catches up.`;

const offset = Number(process.env.LAB_PORT_OFFSET ?? 0);
if (!Number.isInteger(offset)) {
  console.error(`LAB_PORT_OFFSET must be an integer, got ${process.env.LAB_PORT_OFFSET}`);
  process.exit(2);
}
const [
  experiment,
  a = `http://127.0.0.1:${7201 + offset}`,
  b = `http://127.0.0.1:${7202 + offset}`,
  redisUrl = `redis://127.0.0.1:${7210 + offset}`,
] = process.argv.slice(2);
if (experiment === 'policies') console.table(await comparePolicies({ a, b }));
else if (experiment === 'filters') console.table(await compareFilters({ a, b }));
else if (experiment === 'recovery')
  console.table(
    await compareRecovery({
      a,
      b,
      windowPassed: sessionGone(redisUrl, Number(process.env.RECOVERY_WAIT_MS ?? 30_000)),
    }),
  );
else if (experiment === 'stall')
  console.table(
    await stallClient({
      a,
      b,
      holdMs: Number(process.env.STALL_SECONDS ?? 30) * 1_000,
      onStalled: (userId) =>
        console.log(
          `${userId} is stalled on ${b}: watch its row in ${a}/ or ${b}/ (it reads again in a while)`,
        ),
    }),
  );
else {
  console.error(usage);
  process.exitCode = 1;
}
// The clients are closed, but fetch keeps idle connections alive for a few seconds: a CLI exits when it is done.
process.exit();

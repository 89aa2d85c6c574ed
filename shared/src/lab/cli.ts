import { Command, InvalidArgumentError } from 'commander';
import { homeCommand } from '../live-view/home/home-server.ts';
import { screenshotCommand } from '../live-view/screenshot-command.ts';
import { nemesisCommand, type NemesisFlags } from '../nemesis/nemesis-command.ts';
import { composeCommand } from './compose-command.ts';
import { processActions, type ProcessAction } from './control-channel.ts';
import { upDetached } from './detach.ts';
import { downCommand } from './down-command.ts';
import { LabError } from './lab-error.ts';
import { labSettings } from './lab-settings.ts';
import { formatLabStatus, readLabStatus } from './lab-status.ts';
import { formatPatternList } from './pattern-list.ts';
import { offsetTopology } from './port-offset.ts';
import { processCommand } from './process-command.ts';
import { loadExtraTopologies, loadPatternTopologies } from './registry.ts';
import { prepareUp, resolveTopology, runSupervisor } from './up-command.ts';

/**
 * `pnpm lab <command>`: runs the patterns on local redis-server processes.
 * Environment: LAB_STATE_DIR (default `<repo>/.lab`), LAB_PORT_OFFSET (added to every port).
 */

interface UpFlags {
  readonly detach?: boolean;
  readonly fresh?: boolean;
  readonly timeout: number;
  readonly size?: number;
  readonly engine?: string;
  readonly restart?: boolean;
}

const parseSeconds = (value: string): number => {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('expected a number of seconds');
  return seconds;
};

const parseSize = (value: string): number => {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError('expected a whole number of nodes');
  return size;
};

const upOptions = (flags: UpFlags) => ({
  readyTimeoutMs: flags.timeout * 1000,
  isFresh: flags.fresh === true,
  ...(flags.size === undefined ? {} : { size: flags.size }),
  ...(flags.engine === undefined ? {} : { engine: flags.engine }),
  restart: flags.restart === true,
  detach: flags.detach === true,
});

// Why a plain `process.exit`: once the supervisor returns, nothing may keep the prompt waiting.
const finish = (code: number): never => process.exit(code);

const program = new Command('lab')
  .description('Run the lab patterns on local redis-server processes, and inject real process faults.')
  .addHelpText(
    'after',
    '\nEnvironment:\n  LAB_STATE_DIR    state, Redis data dirs and logs (default <repo>/.lab)\n' +
      '  LAB_PORT_OFFSET  added to every port, to run beside another lab',
  )
  .showHelpAfterError();

program
  .command('list')
  .description('the seven patterns (CAP leaning, ports, implemented?) and the kit demo')
  .action(async () => {
    const { portOffset } = labSettings();
    const patterns = [...(await loadPatternTopologies()), ...(await loadExtraTopologies())].map((t) =>
      offsetTopology(t, portOffset),
    );
    console.log(formatPatternList(patterns, offsetTopology(await resolveTopology('kit-demo'), portOffset)));
  });

const addUpFlags = (command: Command): Command =>
  command
    .option('--fresh', 'delete the Redis data dirs first (append-only nodes keep data between runs)')
    .option('--timeout <seconds>', 'how long each process may take to be ready', parseSeconds, 60)
    .option(
      '--size <nodes>',
      'another size the pattern declares, e.g. 5 replicas (`lab list` shows them)',
      parseSize,
    )
    .option('--engine <name>', 'another engine the pattern declares, e.g. etcd (`lab list` shows them)')
    .option(
      '--restart',
      'if the pattern runs already, stop it first (to apply another engine or environment)',
    );

addUpFlags(
  program
    .command('up')
    .description('start a pattern: its Redis nodes, then its services; Ctrl-C stops everything')
    .argument('<pattern>')
    .option('--detach', 'run in the background (log in <state>/<pattern>/lab.log) and return once ready'),
).action(async (pattern: string, flags: UpFlags) => {
  const settings = labSettings();
  const options = upOptions(flags);
  if (flags.detach) {
    const { topology } = await prepareUp(pattern, settings, options);
    finish(await upDetached(pattern, settings, options, topology.title));
  }
  finish(await runSupervisor(pattern, settings, { ...options, logFile: null }));
});

addUpFlags(
  program
    .command('supervise', { hidden: true })
    .description('the supervisor behind `up --detach`')
    .argument('<pattern>')
    .option('--log-file <file>'),
).action(async (pattern: string, flags: UpFlags & { readonly logFile?: string }) => {
  finish(
    await runSupervisor(pattern, labSettings(), { ...upOptions(flags), logFile: flags.logFile ?? null }),
  );
});

program
  .command('status')
  .description('what runs now, with pids and URLs')
  .option(
    '--json',
    'for scripts: {"<pattern>": {pattern, phase, supervisorPid, reaperPid, portOffset, startedAt, logFile, ' +
      'processes: [{name, role, pid, port, url, state, ...extra ports}]}}',
  )
  .action((flags: { readonly json?: boolean }) => {
    const status = readLabStatus(labSettings().stateDir);
    console.log(flags.json ? JSON.stringify(status.running, null, 2) : formatLabStatus(status));
  });

program
  .command('down')
  .description('stop a pattern and everything it started')
  .argument('<pattern>')
  .action(async (pattern: string) => {
    process.exitCode = await downCommand(pattern, labSettings());
  });

const actionHelp: Record<ProcessAction, string> = {
  kill: 'SIGKILL a Redis node or service instance (a crash)',
  restart: 'start it again on the same port (same dir for Redis, same env for a service)',
  pause: 'SIGSTOP it: connections stay open, nothing answers',
  resume: 'SIGCONT a paused process',
};
for (const action of processActions) {
  program
    .command(action)
    .description(actionHelp[action])
    .argument('<pattern>')
    .argument('<process>', 'a Redis node or service name, as `lab status` shows')
    .action(async (pattern: string, name: string) => {
      process.exitCode = await processCommand(action, pattern, name, labSettings());
    });
}

program
  .command('nemesis')
  .description('seeded runs of workload + faults against a running pattern, judged by its /check')
  .argument('<pattern>')
  .option('--seed <n>', 'first seed (run i uses seed + i); random when omitted, and printed')
  .option('--runs <k>', 'how many runs', '5')
  .option('--duration <time>', 'workload time per run, e.g. 30s', '30s')
  .option('--faults <list>', 'kill,pause,restart,cut,slow (default: what the pattern declares)')
  .option('--rate <n/s>', 'fault events per second', '0.5/s')
  .option('--concurrency <c>', 'concurrent clients', '4')
  .option('--variant <name>', 'a deliberately broken setting the pattern offers (see its README)')
  .option('--json <file>', 'write every run, its schedule and verdicts as JSON')
  .action(async (pattern: string, flags: NemesisFlags) => {
    process.exitCode = await nemesisCommand(pattern, flags, labSettings());
  });

program
  .command('screenshot')
  .description('play a short scenario against a running pattern and write a PNG of its live view')
  .argument('<pattern>')
  .option('--out <file>', 'where to write the PNG (default patterns/<name>/docs/live-view.png)')
  .option('--seconds <s>', 'seconds of workload before the picture', '4')
  .action(async (pattern: string, flags: { out?: string; seconds: string }) => {
    process.exitCode = await screenshotCommand(pattern, flags, labSettings());
  });

program
  .command('home')
  .description('serve the lab home page: every pattern, which run, links, and their /check verdicts')
  .action(async () => {
    process.exitCode = await homeCommand();
  });

program
  .command('compose')
  .description('write docker-compose.yml from the topologies (--check: only report whether it is current)')
  .option('--check')
  .action(async (flags: { readonly check?: boolean }) => {
    process.exitCode = await composeCommand({ check: flags.check === true });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(error instanceof LabError ? `lab: ${error.message}` : error);
  process.exitCode = 1;
}

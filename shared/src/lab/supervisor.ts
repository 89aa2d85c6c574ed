import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import type { ProcessExit } from '../process/managed-process.ts';
import type { PatternTopology } from '../topology/index.ts';
import { waitForEtcdLeader } from '../process/etcd-server.ts';
import { signalPid } from '../process/pid-control.ts';
import { startReaper, writePidFile } from '../process/reaper.ts';
import { formRedisCluster } from '../process/redis-cluster-form.ts';
import { startControlServer, type ControlServer, type ProcessAction } from './control-channel.ts';
import { LabError } from './lab-error.ts';
import type { LabSettings } from './lab-settings.ts';
import type { LogPrinter } from './log-stream.ts';
import type { RunSettings } from './run-settings.ts';
import { clusterFormNodes, declareLabProcesses, processRecord, type LabProcess } from './lab-processes.ts';
import {
  ensurePatternDir,
  ensurePrivateDir,
  pidFilePath,
  removeState,
  stateFilePath,
  writeState,
  type LabState,
  type ProcessRecord,
  type ProcessRole,
} from './state-file.ts';
import { formatUrlTable } from './url-table.ts';

export interface SuperviseOptions {
  /** With LAB_PORT_OFFSET already applied. */
  readonly topology: PatternTopology;
  readonly settings: LabSettings;
  readonly readyTimeoutMs: number;
  /** Delete the Redis data dirs first (append-only nodes otherwise keep data between runs). */
  readonly isFresh: boolean;
  /** Where this supervisor's output goes when detached, recorded for `lab status`. */
  readonly logFile: string | null;
  readonly printer: LogPrinter;
  /** Engine, size and environment digest, recorded so a second `up` can tell a different run. */
  readonly run: RunSettings;
}

const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const describeExit = (exit: ProcessExit): string =>
  exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;

/**
 * Runs one pattern until a signal: its Redis nodes, then its service instances,
 * a state file that says where everything is, a control channel for the
 * process faults, and a reaper that cleans up if this process is killed.
 * Resolves with the exit code once everything it started is gone.
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  return new Supervisor(options).run();
}

class Supervisor {
  readonly #options: SuperviseOptions;
  readonly #processes: readonly LabProcess[];
  readonly #token = randomBytes(16).toString('hex');
  /** Shared by the services that have peers (`CLUSTER_SECRET`): one per run, kept through instance restarts. */
  readonly #clusterSecret: string | null;
  readonly #startedAt = new Date().toISOString();
  readonly #inFlight = new Set<Promise<unknown>>();
  #phase: LabState['phase'] = 'starting';
  #isStopping = false;
  #isStateRemoved = false;
  #control: ControlServer | undefined;
  #reaperPid: number | null = null;
  #actionQueue: Promise<unknown> = Promise.resolve();

  constructor(options: SuperviseOptions) {
    this.#options = options;
    const hasPeers = options.topology.services.some((s) => (s.peers ?? []).length > 0);
    this.#clusterSecret = hasPeers ? randomBytes(32).toString('hex') : null;
    this.#processes = declareLabProcesses(options, this.#clusterSecret, (name) => ({
      onOutput: (line: string) => options.printer.line(name, line),
      onSpawn: () => this.#onSpawn(name),
      onExit: (exit: ProcessExit) => this.#onExit(name, exit),
    }));
  }

  async run(): Promise<number> {
    const { printer, topology } = this.#options;
    let requestStop: (signal: string) => void = () => undefined;
    const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
    // tsx relays Ctrl-C too, so a second signal arrives at once: the first one alone counts.
    const onSignal = (signal: NodeJS.Signals): void => requestStop(signal);
    for (const signal of stopSignals) process.on(signal, onSignal);
    try {
      this.#control = await startControlServer(this.#token, (name, action) => this.#enqueue(name, action));
      this.#persist();
      this.#reaperPid = startReaper({
        watchPid: process.pid,
        pidFile: pidFilePath(this.#options.settings.stateDir, topology.name),
        removePaths: [stateFilePath(this.#options.settings.stateDir, topology.name)],
      });
      this.#persist();

      const starting = this.#track(this.#startAll());
      starting.catch(() => undefined);
      const outcome = await Promise.race([starting.then(() => 'ready'), stopRequested]);
      if (outcome === 'ready') {
        this.#phase = 'ready';
        this.#persist();
        printer.raw(formatUrlTable(`\n${topology.title} (${topology.name}) is up:`, this.#records()));
        printer.info(`ready; Ctrl-C or \`pnpm lab down ${topology.name}\` stops everything`);
        printer.info(`stopping on ${await stopRequested}`);
      } else {
        printer.info(`stopping on ${outcome}, before ${topology.name} was ready`);
      }
      await this.#shutdown();
      return 0;
    } catch (error) {
      printer.error(error instanceof Error ? error.message : String(error));
      await this.#shutdown();
      return 1;
    } finally {
      for (const signal of stopSignals) process.off(signal, onSignal);
    }
  }

  async #startAll(): Promise<void> {
    const { topology, settings, readyTimeoutMs, printer } = this.#options;
    if (this.#options.isFresh) {
      for (const p of this.#processes) if (p.dir) rmSync(p.dir, { recursive: true, force: true });
    }
    ensurePatternDir(settings.stateDir, topology.name);
    const byRole = (...roles: ProcessRole[]) => this.#processes.filter((p) => roles.includes(p.role));
    // Stores first, all at once (a new etcd member waits for its peers): services connect at start-up.
    await this.#startGroup(byRole('redis', 'etcd'));
    if (topology.redisCluster) {
      const { formed } = await formRedisCluster(clusterFormNodes(this.#options.topology), {
        timeoutMs: readyTimeoutMs,
      });
      printer.info(
        formed
          ? 'Redis Cluster formed: slots split over the masters, replicas following'
          : 'Redis Cluster already formed (kept nodes.conf); `--fresh` forms a new one',
      );
    }
    const etcd = byRole('etcd');
    if (etcd.length > 0) {
      const leader = await waitForEtcdLeader(
        etcd.map((p) => p.url),
        readyTimeoutMs,
      );
      printer.info(`etcd has a leader: ${leader}`);
    }
    // Sentinels need their masters up; each gets a fresh copy of its config, which it then rewrites.
    for (const p of byRole('sentinel')) {
      if (p.dir) ensurePrivateDir(p.dir);
      if (p.configFile) writeFileSync(p.configFile.path, p.configFile.text, { mode: 0o600 });
    }
    await this.#startGroup(byRole('sentinel'));
    await this.#startGroup(byRole('service'));
  }

  async #startGroup(group: readonly LabProcess[]): Promise<void> {
    if (this.#isStopping) throw new LabError('stopped while starting');
    const results = await Promise.allSettled(
      group.map(async (p) => {
        await p.process.start();
        p.isReady = true;
        this.#persist();
        this.#options.printer.info(`${p.name} is up: pid ${p.process.pid ?? '?'}, ${p.url}`);
      }),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async #shutdown(): Promise<void> {
    const { settings, topology, printer } = this.#options;
    this.#isStopping = true;
    this.#phase = 'stopping';
    this.#persist();
    await this.#control?.close();
    // Stopping makes pending starts fail fast; a second pass catches anything they spawned meanwhile.
    await this.#stopEverything();
    await Promise.allSettled([...this.#inFlight]);
    await this.#stopEverything();
    removeState(settings.stateDir, topology.name);
    this.#isStateRemoved = true;
    if (this.#reaperPid !== null) signalPid(this.#reaperPid, 'SIGTERM');
    printer.info(`${topology.name} stopped`);
  }

  async #stopEverything(): Promise<void> {
    const stop = (role: ProcessRole) =>
      Promise.all(this.#processes.filter((p) => p.role === role).map((p) => p.process.stop()));
    // Services first, so they do not log a storm of Redis errors on the way out; sentinels before their masters.
    await stop('service');
    await stop('sentinel');
    await Promise.all([stop('redis'), stop('etcd')]);
  }

  #enqueue(name: string, action: ProcessAction): Promise<ProcessRecord> {
    // One action at a time: two restarts of one node must not race for its port.
    const result = this.#actionQueue.then(() => this.#act(name, action));
    this.#actionQueue = result.catch(() => undefined);
    return this.#track(result);
  }

  async #act(name: string, action: ProcessAction): Promise<ProcessRecord> {
    const { topology, printer } = this.#options;
    if (this.#isStopping) throw new LabError(`${topology.name} is stopping`);
    if (this.#phase !== 'ready') throw new LabError(`${topology.name} is still starting`);
    const target = this.#processes.find((p) => p.name === name);
    if (!target) {
      const names = this.#processes.map((p) => p.name).join(', ');
      throw new LabError(`${topology.name} has no process '${name}'; it has ${names}`);
    }
    const { process: child } = target;
    const pid = child.pid;
    if (action !== 'restart' && pid === undefined) {
      throw new LabError(
        `${name} is not running (${target.lastExit ?? 'exited'}); \`lab restart\` starts it again`,
      );
    }
    switch (action) {
      case 'kill':
        printer.info(`kill ${name} (pid ${pid}): SIGKILL`);
        await child.kill();
        break;
      case 'pause':
        printer.info(`pause ${name} (pid ${pid}): SIGSTOP`);
        child.pause();
        break;
      case 'resume':
        printer.info(`resume ${name} (pid ${pid}): SIGCONT`);
        child.resume();
        break;
      case 'restart':
        printer.info(`restart ${name} on port ${target.port}`);
        target.isReady = false;
        await child.restart();
        target.isReady = true;
        printer.info(`${name} is up again: pid ${child.pid ?? '?'}, ${target.url}`);
        break;
    }
    this.#persist();
    return processRecord(target);
  }

  #onSpawn(name: string): void {
    const target = this.#processes.find((p) => p.name === name);
    if (target) target.isReady = false;
    this.#persist();
  }

  #onExit(name: string, exit: ProcessExit): void {
    const target = this.#processes.find((p) => p.name === name);
    if (!target) return;
    target.isReady = false;
    target.lastExit = describeExit(exit);
    this.#options.printer.info(`${name} (pid ${exit.pid}) exited: ${target.lastExit}`);
    this.#persist();
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = (): void => void this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  #records(): ProcessRecord[] {
    return this.#processes.map((p) => processRecord(p));
  }

  /** State file and pid file together: the reaper must always see every live pid. */
  #persist(): void {
    if (this.#isStateRemoved) return;
    const { settings, topology, logFile } = this.#options;
    const records = this.#records();
    writeState(settings.stateDir, {
      version: 1,
      pattern: topology.name,
      supervisorPid: process.pid,
      reaperPid: this.#reaperPid,
      controlPort: this.#control?.port ?? null,
      controlToken: this.#token,
      phase: this.#phase,
      portOffset: settings.portOffset,
      startedAt: this.#startedAt,
      logFile,
      engine: this.#options.run.engine,
      size: this.#options.run.size,
      envDigest: { ...this.#options.run.envDigest },
      clusterSecret: this.#clusterSecret,
      processes: records,
    });
    writePidFile(
      pidFilePath(settings.stateDir, topology.name),
      records.flatMap((r) => (r.pid === null ? [] : [r.pid])),
    );
  }
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../process/free-port.ts';
import { startReaper, writePidFile } from '../process/reaper.ts';
import { isAddressInUseError, RedisServerProcess } from '../process/redis-server.ts';

export interface StartRedisOptions {
  /** Shows up in errors and the temp dir name; defaults to `redis-<n>`. */
  readonly name?: string;
  readonly appendOnly?: boolean;
  /** Starts as a replica of this node. */
  readonly replicaOf?: { readonly host: string; readonly port: number };
  readonly extraArgs?: readonly string[];
  /** A fixed port; by default a free loopback port is picked. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
  /** Written to `<dir>/redis.conf` and read first; the file is the node's own, so it may rewrite it. */
  readonly configText?: string;
  /** A Redis Sentinel (`--sentinel`), configured by `configText`. */
  readonly sentinel?: boolean;
}

/** A redis-server started for a test, with the faults a pattern must survive. */
export interface RedisHandle {
  readonly name: string;
  readonly host: string;
  /** Stays the same through kill/restart. */
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The current pid; undefined while killed or stopped. */
  readonly pid: number | undefined;
  readonly isRunning: boolean;
  readonly isPaused: boolean;
  /** SIGKILL, resolved once the process is gone: connections drop, PING fails at once. */
  kill(): Promise<void>;
  /** Stops it if running, then starts it again on the same port and dir (an AOF node keeps its data). */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** Clean shutdown and removal of its dir; the handle is done. */
  stop(): Promise<void>;
}

const maxStartAttempts = 5;

interface Harness {
  readonly rootDir: string;
  readonly pidFile: string;
  readonly servers: Set<RedisServerProcess>;
}

let harness: Harness | undefined;
let nameCounter = 0;

function livePids(servers: Iterable<RedisServerProcess>): number[] {
  return [...servers].flatMap((server) => (server.pid === undefined ? [] : [server.pid]));
}

function syncPidFile(): void {
  if (harness) writePidFile(harness.pidFile, livePids(harness.servers));
}

/** Synchronous on purpose: it runs from process 'exit', where nothing async completes. */
function killAllNow(): void {
  if (!harness) return;
  for (const pid of livePids(harness.servers)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(harness.rootDir, { recursive: true, force: true });
}

/**
 * Three layers make sure no redis-server outlives the test process: the handle's
 * stop() and stopAllRedis() in afterAll, a process 'exit' hook for a normal end,
 * and a reaper for a worker that is killed outright (vitest's forks can be).
 */
function ensureHarness(): Harness {
  if (harness) return harness;
  const rootDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-redis-'));
  const pidFile = path.join(rootDir, 'pids');
  harness = { rootDir, pidFile, servers: new Set() };
  writePidFile(pidFile, []);
  startReaper({ watchPid: process.pid, pidFile, removePaths: [rootDir] });
  process.once('exit', killAllNow);
  return harness;
}

function toHandle(
  name: string,
  server: RedisServerProcess,
  dir: string,
  servers: Set<RedisServerProcess>,
): RedisHandle {
  return {
    name,
    host: server.host,
    port: server.port,
    url: server.url,
    dir,
    get pid() {
      return server.pid;
    },
    get isRunning() {
      return server.isRunning;
    },
    get isPaused() {
      return server.isPaused;
    },
    kill: () => server.kill(),
    restart: () => server.restart(),
    pause: () => server.pause(),
    resume: () => server.resume(),
    stop: async () => {
      await server.stop();
      servers.delete(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a redis-server on a free loopback port in its own temp dir and waits until it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const { rootDir, servers } = ensureHarness();
  nameCounter += 1;
  const name = options.name ?? `redis-${nameCounter}`;
  const dir = path.join(rootDir, `${nameCounter}-${name.replace(/[^\w.-]/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  const configFile = options.configText === undefined ? undefined : path.join(dir, 'redis.conf');
  if (configFile !== undefined) writeFileSync(configFile, options.configText ?? '', { mode: 0o600 });
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    const server = new RedisServerProcess({
      port,
      dir,
      appendOnly: options.appendOnly,
      replicaOf: options.replicaOf,
      extraArgs: options.extraArgs,
      ...(configFile === undefined ? {} : { configFile }),
      ...(options.sentinel ? { sentinel: true } : {}),
      readyTimeoutMs: options.readyTimeoutMs,
      onSpawn: syncPidFile,
      onExit: syncPidFile,
    });
    servers.add(server);
    try {
      await server.start();
      return toHandle(name, server, dir, servers);
    } catch (error) {
      servers.delete(server);
      // Another process may take the port between findFreePort and bind: pick again.
      const isRace = isAddressInUseError(error);
      if (!isRace || options.port !== undefined || attempt >= maxStartAttempts) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

/** Starts one node per name, in parallel; handles come back in the order of `names`. */
export function startRedisCluster(
  names: readonly string[],
  options: Omit<StartRedisOptions, 'name' | 'port'> = {},
): Promise<RedisHandle[]> {
  return Promise.all(names.map((name) => startRedis({ ...options, name })));
}

/** SIGKILLs every node this process started and removes their dirs: call it in afterAll. */
export async function stopAllRedis(): Promise<void> {
  if (!harness) return;
  const { servers } = harness;
  await Promise.all([...servers].map((server) => server.kill()));
  for (const server of servers) rmSync(server.options.dir, { recursive: true, force: true });
  servers.clear();
  syncPidFile();
}

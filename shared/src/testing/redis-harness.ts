import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '../process/free-port.ts';
import { isAddressInUseError, RedisServerProcess } from '../process/redis-server.ts';
import { ProcessBook } from './process-book.ts';

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

const book = new ProcessBook<RedisServerProcess>('kvs-lab-redis-');
let nameCounter = 0;

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
  const { rootDir } = book;
  const servers = book.members;
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
      onSpawn: book.syncPidFile,
      onExit: book.syncPidFile,
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
  if (!book.isStarted) return;
  const servers = book.members;
  await Promise.all([...servers].map((server) => server.kill()));
  for (const server of servers) rmSync(server.options.dir, { recursive: true, force: true });
  servers.clear();
  book.syncPidFile();
}

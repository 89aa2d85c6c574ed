import { mkdirSync } from 'node:fs';
import { resolveRedisServerBin } from './redis-binary.ts';
import { ManagedProcess, ProcessStartError, type ProcessExit } from './managed-process.ts';
import { pingRedis, sendRedisCommand } from './resp-client.ts';

export interface RedisServerOptions {
  readonly port: number;
  /** Working dir: the AOF lives here, so a restart with the same dir keeps the data. */
  readonly dir: string;
  readonly host?: string;
  readonly appendOnly?: boolean;
  /** Starts as a replica of this server (`--replicaof host port`). */
  readonly replicaOf?: { readonly host: string; readonly port: number };
  readonly extraArgs?: readonly string[];
  /**
   * A config file read first (`redis-server <file> --port ...`); the command-line options still win.
   * Sentinel needs one it can rewrite, since it saves what it learns (replicas, other sentinels, epochs) there.
   */
  readonly configFile?: string;
  /** Runs as a Redis Sentinel (`--sentinel`); needs `configFile`. */
  readonly sentinel?: boolean;
  /** Where REDIS_SERVER_BIN and PATH are read from. */
  readonly env?: NodeJS.ProcessEnv;
  readonly readyTimeoutMs?: number;
  /** Own process group (the lab runner); the test harness leaves it off so a Ctrl-C to vitest reaches its servers. */
  readonly detached?: boolean;
  /** Each line redis-server prints (it logs to stdout). */
  readonly onOutput?: (line: string) => void;
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (exit: ProcessExit) => void;
}

/** The command line of one lab node: loopback only, no RDB snapshots, DEBUG allowed from loopback. */
export function redisServerArgs(options: RedisServerOptions): string[] {
  const args = [
    ...['--port', String(options.port), '--bind', options.host ?? '127.0.0.1'],
    ...['--save', '', '--appendonly', options.appendOnly ? 'yes' : 'no'],
    ...['--enable-debug-command', 'local', '--dir', options.dir, '--daemonize', 'no'],
    // Redis 7 waits 5 s for more replicas before a diskless full sync; a lab replica should follow at once.
    ...['--repl-diskless-sync-delay', '0'],
  ];
  if (options.replicaOf) args.push('--replicaof', options.replicaOf.host, String(options.replicaOf.port));
  if (options.sentinel && options.configFile === undefined) {
    throw new Error(`a sentinel on port ${options.port} needs a config file it can rewrite`);
  }
  return [
    ...(options.configFile === undefined ? [] : [options.configFile]),
    ...args,
    ...(options.sentinel ? ['--sentinel'] : []),
    ...(options.extraArgs ?? []),
  ];
}

/** PONG alone could come from another server already on the port, so its pid must match too. */
export async function answersAsItself(host: string, port: number, pid: number): Promise<boolean> {
  if (!(await pingRedis(port, { host, timeoutMs: 250 }))) return false;
  try {
    const info = await sendRedisCommand(port, ['INFO', 'server'], { host, timeoutMs: 250 });
    return typeof info === 'string' && info.includes(`process_id:${pid}\r\n`);
  } catch {
    return false;
  }
}

/** The start failed because something else already listens on the port. */
export function isAddressInUseError(error: unknown): boolean {
  return (
    error instanceof ProcessStartError &&
    error.outputTail.some((line) => /address already in use/i.test(line))
  );
}

/**
 * One redis-server on a fixed port and dir, through kills, pauses and restarts.
 * The test harness and the lab runner both run their nodes through this class.
 */
export class RedisServerProcess extends ManagedProcess {
  readonly options: RedisServerOptions;

  constructor(options: RedisServerOptions) {
    const host = options.host ?? '127.0.0.1';
    super({
      label: `${options.sentinel ? 'redis-sentinel' : 'redis-server'} on port ${options.port}`,
      command: () => resolveRedisServerBin(options.env ?? process.env),
      args: redisServerArgs(options),
      cwd: options.dir,
      detached: options.detached,
      isReady: (pid) => answersAsItself(host, options.port, pid),
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
      onOutput: options.onOutput,
      onSpawn: options.onSpawn,
      onExit: options.onExit,
    });
    this.options = options;
  }

  /** Spawns and waits until it answers PING as itself. */
  static async start(options: RedisServerOptions): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(options);
    await server.start();
    return server;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.options.port;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  override async start(): Promise<void> {
    // Owner-only: the lab's data is the learner's.
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    await super.start();
  }
}

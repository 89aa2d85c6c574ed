import { existsSync, mkdirSync } from 'node:fs';
import { resolveEtcdBin } from './etcd-binary.ts';
import { ManagedProcess, type ProcessExit } from './managed-process.ts';
import { findPortOwner } from './port-owner.ts';

/** One member of the initial cluster, as every member's `--initial-cluster` lists it. */
export interface EtcdPeer {
  readonly name: string;
  /** e.g. `http://127.0.0.1:2380`. */
  readonly peerUrl: string;
}

export interface EtcdArgsOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Where it listens: loopback for the runner and the tests, 0.0.0.0 inside a container. */
  readonly listenHost: string;
  /** The name other members and clients reach it by: 127.0.0.1 locally, the service name in compose. */
  readonly advertiseHost: string;
  /** Every member of the cluster, itself included. */
  readonly initialCluster: readonly EtcdPeer[];
  /** Keeps two labs' clusters from joining each other by mistake. */
  readonly clusterToken: string;
  readonly heartbeatMs?: number;
  readonly electionTimeoutMs?: number;
}

/**
 * The command line of one lab etcd member. The timings are etcd's defaults written out, so a reader sees
 * them: a leader sends heartbeats every 100 ms, a follower starts an election after 1 s without one.
 * `--initial-cluster-state new` only matters on the first start: a restart finds its member in the data dir.
 */
export function etcdServerArgs(options: EtcdArgsOptions): string[] {
  const client = `http://${options.advertiseHost}:${options.clientPort}`;
  const peer = `http://${options.advertiseHost}:${options.peerPort}`;
  return [
    ...['--name', options.name, '--data-dir', options.dataDir],
    ...['--listen-client-urls', `http://${options.listenHost}:${options.clientPort}`],
    ...['--advertise-client-urls', client],
    ...['--listen-peer-urls', `http://${options.listenHost}:${options.peerPort}`],
    ...['--initial-advertise-peer-urls', peer],
    ...['--initial-cluster', options.initialCluster.map((m) => `${m.name}=${m.peerUrl}`).join(',')],
    ...['--initial-cluster-state', 'new', '--initial-cluster-token', options.clusterToken],
    ...['--heartbeat-interval', String(options.heartbeatMs ?? 100)],
    ...['--election-timeout', String(options.electionTimeoutMs ?? 1000)],
    // Structured logs at warn: elections and peer losses still show, the per-request chatter does not.
    ...['--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn'],
  ];
}

/** What `POST /v3/maintenance/status` (the v3 JSON gateway) says about one member. */
export interface EtcdMemberStatus {
  /** This member's id (a uint64, as a decimal string). */
  readonly memberId: string;
  /** The leader's id as this member knows it; `'0'` while it knows none. */
  readonly leaderId: string;
  readonly raftTerm: number;
  readonly version: string;
}

/** Asks one member for its status; undefined when it does not answer within `timeoutMs`. */
export async function etcdMemberStatus(
  clientUrl: string,
  timeoutMs = 500,
): Promise<EtcdMemberStatus | undefined> {
  try {
    const response = await fetch(`${clientUrl}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as {
      header?: { member_id?: string };
      leader?: string;
      raftTerm?: string;
      version?: string;
    };
    const memberId = body.header?.member_id;
    if (memberId === undefined) return undefined;
    return {
      memberId,
      leaderId: body.leader ?? '0',
      raftTerm: Number(body.raftTerm ?? 0),
      version: body.version ?? '',
    };
  } catch {
    return undefined;
  }
}

const hasProcfs = existsSync('/proc/self/fd');

/** The client port answers HTTP (`/version` needs no quorum, so a lone restarted member counts). */
async function answersVersion(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/version`, { signal: AbortSignal.timeout(250) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export interface EtcdServerOptions {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Its data dir (the WAL and the snapshot): a restart with the same dir keeps every key. */
  readonly dataDir: string;
  readonly host?: string;
  readonly initialCluster: readonly EtcdPeer[];
  readonly clusterToken: string;
  /** Where ETCD_BIN and PATH are read from. */
  readonly env?: NodeJS.ProcessEnv;
  readonly readyTimeoutMs?: number;
  /** Own process group (the lab runner). */
  readonly detached?: boolean;
  readonly onOutput?: (line: string) => void;
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (exit: ProcessExit) => void;
}

/**
 * One etcd member on fixed ports and a fixed data dir, through kills, pauses and restarts.
 * Ready once this very pid listens on its client port (not a leftover on the port); whether the cluster
 * has a leader is a question for the caller (see etcdMemberStatus).
 */
export class EtcdServerProcess extends ManagedProcess {
  readonly options: EtcdServerOptions;

  constructor(options: EtcdServerOptions) {
    const host = options.host ?? '127.0.0.1';
    const clientUrl = `http://${host}:${options.clientPort}`;
    super({
      label: `etcd ${options.name} on ports ${options.clientPort}/${options.peerPort}`,
      command: () => resolveEtcdBin(options.env ?? process.env),
      args: etcdServerArgs({ ...options, listenHost: host, advertiseHost: host }),
      cwd: options.dataDir,
      detached: options.detached,
      // etcd holds client requests until it has joined a quorum, so a member restarted while most of its
      // cluster is down never answers: where procfs tells, listening on its port as itself is ready enough.
      isReady: async (pid) =>
        hasProcfs ? findPortOwner(options.clientPort)?.pid === pid : answersVersion(clientUrl),
      readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
      onOutput: options.onOutput,
      onSpawn: options.onSpawn,
      onExit: options.onExit,
    });
    this.options = options;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get clientUrl(): string {
    return `http://${this.host}:${this.options.clientPort}`;
  }

  override async start(): Promise<void> {
    // etcd refuses a data dir others can read (it warns and fixes it); create it owner-only up front.
    mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    await super.start();
  }
}

/**
 * Polls the members until one reports itself leader; resolves with its client URL. Members that do not
 * answer are skipped, so a killed or paused one never counts.
 */
export async function waitForEtcdLeader(clientUrls: readonly string[], timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(clientUrls.map((url) => etcdMemberStatus(url, 300)));
    const index = statuses.findIndex(
      (s) => s !== undefined && s.leaderId !== '0' && s.leaderId === s.memberId,
    );
    const leader = clientUrls[index];
    if (leader !== undefined) return leader;
    if (performance.now() >= deadline) {
      throw new Error(`etcd elected no leader within ${timeoutMs} ms (members: ${clientUrls.join(', ')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

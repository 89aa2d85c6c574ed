import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { reservePortOffset, startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface NodeStatus {
  id: string;
  role: 'leader' | 'follower' | 'candidate';
  term: number;
  leaderId: string | null;
  commitIndex: number;
  lastApplied: number;
  lastLogIndex: number;
  votedFor: string | null;
  suspects: string[];
}

export interface HttpReply {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP call with a deadline; a node that is down or paused answers `undefined`. */
export async function call(
  url: string,
  method = 'GET',
  body?: unknown,
  timeoutMs = 2_000,
): Promise<HttpReply | undefined> {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    return undefined;
  }
}

/** One ring node as a real child process (the kit's ServiceProcess running src/main.ts) with its own AOF Redis. */
export class RingProcess extends ServiceProcess {
  readonly name: string;
  readonly port: number;
  /** Its own Redis (raft engine); undefined on the etcd engine. */
  readonly redis: RedisHandle | undefined;

  constructor(name: string, port: number, redis: RedisHandle | undefined, env: Record<string, string>) {
    super({
      name,
      port,
      cwd: packageDir,
      entry: path.join(packageDir, 'src/main.ts'),
      env: { ...env, LAB_PARENT_PID: String(process.pid), LOG_LEVEL: 'warn' },
      readyTimeoutMs: 30_000,
    });
    this.name = name;
    this.port = port;
    this.redis = redis;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async status(): Promise<NodeStatus | undefined> {
    const reply = await call(`${this.url}/status`, 'GET', undefined, 1_000);
    return reply?.status === 200 ? (reply.body as unknown as NodeStatus) : undefined;
  }
}

export interface RingCluster {
  readonly nodes: readonly RingProcess[];
  node(name: string): RingProcess;
  /** Every running node's status (undefined for one that does not answer). */
  statuses(): Promise<(NodeStatus | undefined)[]>;
  /** Polls until one node is leader and a majority of answering nodes agree on it. */
  waitForLeader(options?: {
    excluding?: string;
    minTerm?: number;
    timeoutMs?: number;
    /** Wait until every running node follows it, not just a majority. */
    everyone?: boolean;
  }): Promise<NodeStatus>;
  /** Every (term -> leaders) seen by the background observer since start. */
  leadersByTerm(): ReadonlyMap<number, ReadonlySet<string>>;
  stop(): Promise<void>;
}

/**
 * `count` distinct free ports, known before the nodes listen (each names its peers). Taken below the
 * ephemeral range and claimed across test processes: an OS-assigned port, free when picked, was once
 * taken by an outgoing connection before its node listened (EADDRINUSE in CI).
 */
export async function uniqueFreePorts(count: number): Promise<number[]> {
  const block = Array.from({ length: count }, (_, i) => i);
  const { offset } = await reservePortOffset(block, () => 30_000 + 10 * Math.floor(Math.random() * 270));
  return block.map((i) => offset + i);
}

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts a ring of `size` real node processes, each with its own AOF Redis
 * on free ports (or, with `etcdEndpoints`, ENGINE=etcd instances over that
 * etcd cluster), and a background observer that records every node's
 * (term, leader) claim for the one-leader-per-term check.
 */
export async function startRingCluster(
  size: number,
  env: Record<string, string> = {},
  options: { etcdEndpoints?: readonly string[] } = {},
): Promise<RingCluster> {
  const { etcdEndpoints } = options;
  const names = Array.from({ length: size }, (_, i) => (etcdEndpoints ? `ring-e${i + 1}` : `ring-${i + 1}`));
  // What the lab runner does per run: one fresh secret the ring's nodes share.
  const clusterSecret = randomBytes(16).toString('hex');
  const ports = await uniqueFreePorts(size);
  const redises = etcdEndpoints
    ? names.map(() => undefined)
    : await Promise.all(names.map((name) => startRedis({ name: `${name}-redis`, appendOnly: true })));
  const nodes = names.map((name, i) => {
    const redis = redises[i];
    const store: Record<string, string> = redis
      ? { REDIS_NODES: `${name}-redis=${redis.url}` }
      : { ENGINE: 'etcd', ETCD_ENDPOINTS: (etcdEndpoints ?? []).join(',') };
    const peers = names
      .map((other, j) => (other === name ? null : `${other}=http://127.0.0.1:${ports[j]}`))
      .filter((p): p is string => p !== null)
      .join(',');
    return new RingProcess(name, ports[i] ?? 0, redis, {
      SERVICE_NAME: name,
      PORT: String(ports[i]),
      ...store,
      PEERS: peers,
      CLUSTER_SECRET: clusterSecret,
      ...env,
    });
  });
  await Promise.all(nodes.map((n) => n.start()));

  const claims = new Map<number, Set<string>>();
  let isObserving = true;
  const statuses = () =>
    Promise.all(nodes.map((n) => (n.isRunning ? n.status() : Promise.resolve(undefined))));
  const observer = (async () => {
    while (isObserving) {
      for (const status of await statuses()) {
        if (status?.role !== 'leader') continue;
        const set = claims.get(status.term) ?? new Set<string>();
        set.add(status.id);
        claims.set(status.term, set);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  return {
    nodes,
    node: (name) => {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no node ${name}`);
      return found;
    },
    statuses,
    leadersByTerm: () => claims,
    waitForLeader: ({ excluding, minTerm = 0, timeoutMs = 20_000, everyone = false } = {}) =>
      eventually(
        async () => {
          const all = (await statuses()).filter((s): s is NodeStatus => s !== undefined);
          const leader = all.find((s) => s.role === 'leader' && s.id !== excluding && s.term >= minTerm);
          if (!leader) return undefined;
          const agreeing = all.filter((s) => s.leaderId === leader.id && s.term === leader.term).length;
          const needed = everyone ? nodes.filter((n) => n.isRunning).length : Math.floor(size / 2) + 1;
          return agreeing >= needed ? leader : undefined;
        },
        'a leader agreed on by a majority',
        timeoutMs,
      ),
    stop: async () => {
      isObserving = false;
      await observer;
      // SIGKILL ends a paused (SIGSTOPped) node too.
      await Promise.all(nodes.map((n) => n.kill()));
    },
  };
}

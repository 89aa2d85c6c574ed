import { findFreePort, isPortFree } from '../process/free-port.ts';
import { isAddressInUseError } from '../process/redis-server.ts';
import {
  formRedisCluster,
  waitForClusterState,
  type ClusterFormNode,
} from '../process/redis-cluster-form.ts';
import { startRedis, type RedisHandle } from './redis-harness.ts';

export interface StartRedisClusterModeOptions {
  /** Masters sharing the 16384 slots; 3 by default (Redis Cluster's minimum for failover). */
  readonly masters?: number;
  /** Replicas per master (spares included); 1 by default. */
  readonly replicasPerMaster?: number;
  /** Masters that join with no slots, as scale-out targets; 0 by default. */
  readonly spareMasters?: number;
  /** `cluster-node-timeout`: how long a node may be unreachable before it is judged failed; 2000 by default. */
  readonly nodeTimeoutMs?: number;
  readonly readyTimeoutMs?: number;
}

export type ClusterNodeRole = 'master' | 'replica' | 'spare';

/** One node of the cluster: a RedisHandle (kill/pause/restart keep its port, dir and nodes.conf) plus its role. */
export interface ClusterNodeHandle extends RedisHandle {
  /** The role it was started in; after a failover, ask the cluster (ROLE, CLUSTER NODES) for the current one. */
  readonly role: ClusterNodeRole;
  /** For a replica: the node it was started to follow. */
  readonly masterName?: string;
}

export interface RedisClusterModeHandle {
  readonly nodes: readonly ClusterNodeHandle[];
  readonly masters: readonly ClusterNodeHandle[];
  readonly replicas: readonly ClusterNodeHandle[];
  readonly spares: readonly ClusterNodeHandle[];
  /** What a cluster client (ioredis `Cluster`) is given: every node's address. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /**
   * Waits until every running, unpaused node reports `cluster_state:ok` (the default, or `true`) or `fail`
   * (or `false`). After a master dies, `ok` can still read for a moment: wait for the promotion you expect.
   */
  waitForState(state?: 'ok' | 'fail' | boolean, timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their dirs; the handle is done. */
  stop(): Promise<void>;
}

const busPortOffset = 10_000;
const maxStartAttempts = 5;
let clusterCounter = 0;

/** A free port whose cluster bus port (port + 10000) is free too, not among `taken`. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await findFreePort();
    const bus = port + busPortOffset;
    if (bus > 65_535 || taken.has(port) || taken.has(bus)) continue;
    // Claimed before the await, so nodes picked in parallel never share a port.
    taken.add(port);
    taken.add(bus);
    if (await isPortFree(bus)) return port;
    taken.delete(port);
    taken.delete(bus);
  }
}

interface NodePlan {
  readonly name: string;
  readonly role: ClusterNodeRole;
  readonly masterName?: string;
}

function planNodes(id: number, masters: number, replicasPerMaster: number, spares: number): NodePlan[] {
  const plan: NodePlan[] = [];
  const addWithReplicas = (name: string, role: 'master' | 'spare'): void => {
    plan.push({ name, role });
    for (let r = 1; r <= replicasPerMaster; r++)
      plan.push({ name: `${name}-r${r}`, role: 'replica', masterName: name });
  };
  for (let m = 1; m <= masters; m++) addWithReplicas(`cluster${id}-m${m}`, 'master');
  for (let s = 1; s <= spares; s++) addWithReplicas(`cluster${id}-s${s}`, 'spare');
  return plan;
}

async function startClusterNode(
  plan: NodePlan,
  taken: Set<number>,
  nodeTimeoutMs: number,
  readyTimeoutMs: number | undefined,
): Promise<ClusterNodeHandle> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeClusterPort(taken);
    try {
      const handle = await startRedis({
        name: plan.name,
        port,
        ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }),
        extraArgs: [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          ...['--cluster-node-timeout', String(nodeTimeoutMs)],
        ],
      });
      return Object.assign(handle, {
        role: plan.role,
        ...(plan.masterName === undefined ? {} : { masterName: plan.masterName }),
      });
    } catch (error) {
      // Another process took the port or its bus port meanwhile: pick again.
      if (!isAddressInUseError(error) || attempt >= maxStartAttempts) throw error;
    }
  }
}

const formNode = (node: ClusterNodeHandle): ClusterFormNode => ({
  name: node.name,
  host: node.host,
  port: node.port,
  role: node.role,
  ...(node.masterName === undefined ? {} : { masterName: node.masterName }),
});

/**
 * Starts a real Redis Cluster on loopback: each node a redis-server with `--cluster-enabled yes` in its own
 * dir, on a port whose bus port is free too; then forms it (slots split over the masters, replicas following,
 * spares joined with no slots) and resolves once every slot is served and every node says `cluster_state:ok`.
 * The nodes are Redis harness nodes, so stopAllRedis() and the reaper clean them up too.
 */
export async function startRedisClusterMode(
  options: StartRedisClusterModeOptions = {},
): Promise<RedisClusterModeHandle> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const spares = options.spareMasters ?? 0;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  clusterCounter += 1;
  const plans = planNodes(clusterCounter, masters, replicasPerMaster, spares);
  const taken = new Set<number>();
  const started = await Promise.allSettled(
    plans.map((plan) => startClusterNode(plan, taken, nodeTimeoutMs, options.readyTimeoutMs)),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  try {
    await formRedisCluster(nodes.map(formNode), { timeoutMs });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    masters: nodes.filter((n) => n.role === 'master'),
    replicas: nodes.filter((n) => n.role === 'replica'),
    spares: nodes.filter((n) => n.role === 'spare'),
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    waitForState: (state = 'ok', waitMs = timeoutMs) => {
      const wanted = state === true ? 'ok' : state === false ? 'fail' : state;
      const reachable = nodes.filter((n) => n.isRunning && !n.isPaused).map(formNode);
      return waitForClusterState(reachable, wanted, waitMs);
    },
    stop,
  };
}

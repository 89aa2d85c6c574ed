import { setTimeout as sleep } from 'node:timers/promises';
import { sendRedisCommand, type RespValue } from './resp-client.ts';

/**
 * Forms a Redis Cluster out of running `--cluster-enabled yes` nodes, by hand, the way
 * `redis-cli --cluster create` does it: distinct config epochs, MEET, ADDSLOTSRANGE on the masters,
 * REPLICATE on the replicas; spare masters join with no slots. The test harness and the lab runner both use it.
 */

export const clusterSlotCount = 16_384;

export interface ClusterFormNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `spare`: a master that joins with no slots (a scale-out target). */
  readonly role: 'master' | 'replica' | 'spare';
  /** For a replica: the name of the master (or spare) it follows. */
  readonly masterName?: string;
}

export interface ClusterFormOptions {
  /** How long to wait for gossip, replication links and `cluster_state:ok`. */
  readonly timeoutMs?: number;
}

/** The slot ranges of `masters` masters, split as evenly as `redis-cli --cluster create` splits them. */
export function slotRanges(masters: number): { readonly first: number; readonly last: number }[] {
  if (!Number.isInteger(masters) || masters < 1)
    throw new Error(`a cluster needs at least 1 master, got ${masters}`);
  const ranges: { first: number; last: number }[] = [];
  for (let i = 0; i < masters; i++) {
    ranges.push({
      first: Math.floor((i * clusterSlotCount) / masters),
      last: Math.floor(((i + 1) * clusterSlotCount) / masters) - 1,
    });
  }
  return ranges;
}

/** `INFO`-style `key:value` lines (CLUSTER INFO, INFO replication) as a map. */
export function infoFields(text: RespValue): Map<string, string> {
  const fields = new Map<string, string>();
  if (typeof text !== 'string') return fields;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

const command = (node: ClusterFormNode, args: readonly string[]): Promise<RespValue> =>
  sendRedisCommand(node.port, args, { host: node.host, timeoutMs: 2_000 });

async function clusterInfo(node: ClusterFormNode): Promise<Map<string, string>> {
  try {
    return infoFields(await command(node, ['CLUSTER', 'INFO']));
  } catch {
    return new Map();
  }
}

/** True when the nodes already form the cluster (nodes.conf kept from an earlier run): forming is skipped. */
export async function isClusterFormed(nodes: readonly ClusterFormNode[]): Promise<boolean> {
  const infos = await Promise.all(nodes.map(clusterInfo));
  return infos.every(
    (info) =>
      info.get('cluster_known_nodes') === String(nodes.length) &&
      info.get('cluster_slots_assigned') === String(clusterSlotCount),
  );
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<string | true>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const outcome = await check();
    if (outcome === true) return;
    if (performance.now() >= deadline)
      throw new Error(`Redis Cluster: ${what} within ${timeoutMs} ms (${outcome})`);
    await sleep(50);
  }
}

/** Every node reports `cluster_state:<state>` (only the nodes given: pass the running ones). */
export async function waitForClusterState(
  nodes: readonly ClusterFormNode[],
  state: 'ok' | 'fail',
  timeoutMs: number,
): Promise<void> {
  await waitFor(`not every node reached cluster_state:${state}`, timeoutMs, async () => {
    const infos = await Promise.all(nodes.map(clusterInfo));
    const off = nodes.filter((_, i) => infos[i]?.get('cluster_state') !== state);
    return off.length === 0 || `still off: ${off.map((n) => n.name).join(', ')}`;
  });
}

/**
 * Forms the cluster; a cluster already formed is left alone (idempotent, for nodes restarted with their
 * nodes.conf). Resolves once every node knows every other, every slot is served, replicas are linked to
 * their masters and every node says `cluster_state:ok`.
 */
export async function formRedisCluster(
  nodes: readonly ClusterFormNode[],
  options: ClusterFormOptions = {},
): Promise<{ readonly formed: boolean }> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const masters = nodes.filter((n) => n.role === 'master');
  const [first] = masters;
  if (!first) throw new Error('Redis Cluster: no master node to form a cluster with');
  if (await isClusterFormed(nodes)) {
    await waitForClusterState(nodes, 'ok', timeoutMs);
    return { formed: false };
  }
  const ids = new Map<string, string>();
  for (const node of nodes) ids.set(node.name, String(await command(node, ['CLUSTER', 'MYID'])));
  // Distinct epochs up front, so masters never start with an epoch collision to resolve.
  await Promise.all(
    nodes.map((node, i) =>
      command(node, ['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)]).catch(() => undefined),
    ),
  );
  const ranges = slotRanges(masters.length);
  await Promise.all(
    masters.map((node, i) => {
      const range = ranges[i];
      if (!range) throw new Error('slot ranges and masters disagree');
      return command(node, ['CLUSTER', 'ADDSLOTSRANGE', String(range.first), String(range.last)]);
    }),
  );
  for (const node of nodes) {
    if (node !== first) await command(first, ['CLUSTER', 'MEET', node.host, String(node.port)]);
  }
  await waitFor('the nodes did not all meet', timeoutMs, async () => {
    const infos = await Promise.all(nodes.map(clusterInfo));
    const short = nodes.filter((_, i) => infos[i]?.get('cluster_known_nodes') !== String(nodes.length));
    return short.length === 0 || `not yet knowing everyone: ${short.map((n) => n.name).join(', ')}`;
  });
  for (const replica of nodes.filter((n) => n.role === 'replica')) {
    const masterId = replica.masterName === undefined ? undefined : ids.get(replica.masterName);
    if (masterId === undefined) throw new Error(`Redis Cluster: replica ${replica.name} has no known master`);
    // The replica may not have heard of its master through gossip yet: retry until it has.
    await waitFor(`${replica.name} could not follow ${replica.masterName ?? '?'}`, timeoutMs, async () => {
      try {
        await command(replica, ['CLUSTER', 'REPLICATE', masterId]);
        return true;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    });
  }
  await waitForReplicaLinks(nodes, timeoutMs);
  await waitForClusterState(nodes, 'ok', timeoutMs);
  return { formed: true };
}

async function waitForReplicaLinks(nodes: readonly ClusterFormNode[], timeoutMs: number): Promise<void> {
  const replicas = nodes.filter((n) => n.role === 'replica');
  await waitFor('replicas did not link to their masters', timeoutMs, async () => {
    const infos = await Promise.all(
      replicas.map(async (r) => infoFields(await command(r, ['INFO', 'replication']).catch(() => null))),
    );
    const down = replicas.filter((_, i) => infos[i]?.get('master_link_status') !== 'up');
    return down.length === 0 || `not linked yet: ${down.map((n) => n.name).join(', ')}`;
  });
}

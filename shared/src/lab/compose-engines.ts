import { etcdServerArgs } from '../process/etcd-server.ts';
import { clusterSlotCount, slotRanges } from '../process/redis-cluster-form.ts';
import { sentinelConfigText } from '../process/sentinel-config.ts';
import {
  clusterBusPortOffset,
  type EtcdMemberSpec,
  type PatternTopology,
  type RedisNodeSpec,
  type SentinelSpec,
} from '../topology/index.ts';

/**
 * The compose services of the real engines: etcd members, Redis Cluster nodes and the one-shot container
 * that forms the cluster, and Redis Sentinels. The same command lines as the lab runner's, with container
 * names for hosts. compose.ts assembles them into profiles.
 */

/** Pinned like Redis: etcd 3.4, the line Debian ships and the lab runner is tested with. */
export const etcdImage = 'quay.io/coreos/etcd:v3.4.23';
/** etcd's own default ports inside the container; only the published host ports differ. */
export const etcdContainerClientPort = 2379;
export const etcdContainerPeerPort = 2380;
const etcdDataDir = '/etcd-data';

export type DependsOn = Readonly<
  Record<string, { readonly condition: 'service_healthy' | 'service_completed_successfully' }>
>;

/** The part of a compose service the engine builders fill in; compose.ts adds image and profile. */
export interface EngineServicePart {
  readonly image: string;
  readonly command: readonly string[];
  readonly ports: readonly string[];
  readonly volumes?: readonly string[];
  readonly depends_on?: DependsOn;
  readonly restart?: 'no';
  readonly healthcheck?: {
    readonly test: readonly string[];
    readonly interval: string;
    readonly timeout: string;
    readonly retries: number;
    readonly start_period: string;
  };
}

const quickHealthcheck = (test: readonly string[]) => ({
  test,
  interval: '2s',
  timeout: '2s',
  retries: 15,
  start_period: '2s',
});

export function etcdVolumeName(member: EtcdMemberSpec): string {
  return `${member.name}-data`;
}

export function etcdMemberService(topology: PatternTopology, member: EtcdMemberSpec): EngineServicePart {
  const members = topology.etcd ?? [];
  return {
    image: etcdImage,
    command: [
      '/usr/local/bin/etcd',
      ...etcdServerArgs({
        name: member.name,
        dataDir: etcdDataDir,
        clientPort: etcdContainerClientPort,
        peerPort: etcdContainerPeerPort,
        listenHost: '0.0.0.0',
        advertiseHost: member.name,
        initialCluster: members.map((m) => ({
          name: m.name,
          peerUrl: `http://${m.name}:${etcdContainerPeerPort}`,
        })),
        clusterToken: `kvs-lab-${topology.name}`,
      }),
    ],
    // The peer port is published only so each declared port is reachable the same way as under the runner.
    ports: [
      `127.0.0.1:${member.clientPort}:${etcdContainerClientPort}`,
      `127.0.0.1:${member.peerPort}:${etcdContainerPeerPort}`,
    ],
    volumes: [`${etcdVolumeName(member)}:${etcdDataDir}`],
    // `endpoint health` passes only once the cluster has a leader: services then find a working etcd.
    healthcheck: quickHealthcheck([
      'CMD',
      'etcdctl',
      `--endpoints=http://127.0.0.1:${etcdContainerClientPort}`,
      'endpoint',
      'health',
    ]),
  };
}

/**
 * A cluster node listens on its host port inside the container too, so its bus port (port + 10000) and the
 * port it announces are the published ones; it announces its container name, which services resolve.
 */
export function clusterNodeService(
  topology: PatternTopology,
  node: RedisNodeSpec,
  redisImage: string,
): EngineServicePart {
  const bus = node.port + clusterBusPortOffset;
  return {
    image: redisImage,
    command: [
      ...['redis-server', '--appendonly', node.appendOnly ? 'yes' : 'no', '--save', ''],
      ...['--port', String(node.port)],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
      ...['--cluster-node-timeout', String(topology.redisCluster?.nodeTimeoutMs ?? 2_000)],
      // MOVED and CLUSTER SHARDS name the node by its container name: what a service in the network dials.
      ...['--cluster-announce-hostname', node.name, '--cluster-preferred-endpoint-type', 'hostname'],
    ],
    ports: [`127.0.0.1:${node.port}:${node.port}`, `127.0.0.1:${bus}:${bus}`],
    healthcheck: quickHealthcheck(['CMD', 'redis-cli', '-p', String(node.port), 'ping']),
  };
}

/** The one-shot container's name: `<pattern>-cluster-init`. */
export const clusterInitName = (topology: PatternTopology): string => `${topology.name}-cluster-init`;

/**
 * The sh script the init container runs: the same steps as formRedisCluster (ADDSLOTSRANGE on the masters,
 * MEET, REPLICATE), by IP since CLUSTER MEET takes one; it exits at once when the cluster is already formed.
 */
export function clusterInitScript(topology: PatternTopology): string {
  const spec = topology.redisCluster;
  if (!spec) throw new Error(`${topology.name} declares no redisCluster`);
  const nodes = topology.redis.filter((n) => n.clusterEnabled);
  const portOf = (name: string): number => {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new Error(`${topology.name}: cluster member ${name} is not a clusterEnabled Redis node`);
    return node.port;
  };
  const cli = (name: string): string => `redis-cli -h ${name} -p ${portOf(name)}`;
  const [first] = spec.masters;
  if (first === undefined) throw new Error(`${topology.name}: a Redis Cluster needs a master`);
  const ranges = slotRanges(spec.masters.length);
  const lines = [
    'set -e',
    `if ${cli(first)} cluster info | grep -q 'cluster_slots_assigned:${clusterSlotCount}'; then`,
    '  echo "the cluster is already formed"; exit 0',
    'fi',
    ...spec.masters.map((name, i) => {
      const range = ranges[i];
      if (!range) throw new Error('slot ranges and masters disagree');
      return `${cli(name)} cluster addslotsrange ${range.first} ${range.last}`;
    }),
    ...nodes
      .filter((n) => n.name !== first)
      .map(
        (n) => `${cli(first)} cluster meet "$(getent hosts ${n.name} | awk '{print $1; exit}')" ${n.port}`,
      ),
    ...nodes.map(
      (n) =>
        `until ${cli(n.name)} cluster info | grep -q 'cluster_known_nodes:${nodes.length}'; do sleep 0.2; done`,
    ),
    ...Object.entries(spec.replicas).map(
      ([replica, master]) =>
        `until ${cli(replica)} cluster replicate "$(${cli(master)} cluster myid)"; do sleep 0.2; done`,
    ),
    ...nodes.map((n) => `until ${cli(n.name)} cluster info | grep -q 'cluster_state:ok'; do sleep 0.2; done`),
    `echo "Redis Cluster formed: ${spec.masters.length} masters, ${Object.keys(spec.replicas).length} replicas"`,
  ];
  return lines.join('\n');
}

export function clusterInitService(topology: PatternTopology, redisImage: string): EngineServicePart {
  const nodes = topology.redis.filter((n) => n.clusterEnabled);
  return {
    image: redisImage,
    // `$` doubled: compose would otherwise read `$(...)` as its own variable syntax.
    command: ['sh', '-c', clusterInitScript(topology).replaceAll('$', () => '$$')],
    ports: [],
    restart: 'no',
    depends_on: Object.fromEntries(nodes.map((n) => [n.name, { condition: 'service_healthy' as const }])),
  };
}

/**
 * A sentinel writes its first config from the command line, since Sentinel must own a writable file;
 * it listens on its host port inside the container too, so SENTINELS is the same address in and out.
 */
export function sentinelService(
  topology: PatternTopology,
  node: SentinelSpec,
  redisImage: string,
  redisPortOf: (name: string) => number,
): EngineServicePart {
  const sentinels = topology.sentinels;
  if (!sentinels) throw new Error(`${topology.name} declares no sentinels`);
  const text = sentinelConfigText(
    sentinels.settings.masters.map((name) => ({ name, host: name, port: redisPortOf(name) })),
    sentinels.settings,
    true,
  );
  const lines = [...text.trimEnd().split('\n'), 'sentinel announce-hostnames yes'];
  if (lines.some((line) => line.includes("'"))) throw new Error('a sentinel config line holds a quote');
  const script = [
    `printf '%s\\n' ${lines.map((line) => `'${line}'`).join(' ')} > /data/sentinel.conf`,
    `exec redis-server /data/sentinel.conf --sentinel --port ${node.port}`,
  ].join('\n');
  return {
    image: redisImage,
    command: ['sh', '-c', script.replaceAll('$', () => '$$')],
    ports: [`127.0.0.1:${node.port}:${node.port}`],
    depends_on: Object.fromEntries(
      sentinels.settings.masters.map((name) => [name, { condition: 'service_healthy' as const }]),
    ),
    healthcheck: quickHealthcheck(['CMD', 'redis-cli', '-p', String(node.port), 'ping']),
  };
}

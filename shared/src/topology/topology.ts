/**
 * A pattern's topology: the one declaration of which Redis nodes and service
 * instances it runs, on which ports. The lab runner, the test suites and
 * docker-compose.yml are all derived from it, so a port lives in one place.
 */

export type CapLeaning = 'CP' | 'AP' | 'CP/AP';

export interface RedisNodeSpec {
  /** Unique across the whole lab, e.g. `lock-3`; also the compose service name. */
  readonly name: string;
  /** Host port; the lab runner binds redis-server here, compose publishes it here. */
  readonly port: number;
  /** Append-only file on (compose and runner), for nodes whose restart must keep data. */
  readonly appendOnly?: boolean;
  /** Started as a replica of this node (`--replicaof`), for real Redis replication. */
  readonly replicaOf?: string;
  /**
   * A Redis Cluster node (`--cluster-enabled yes`). It also listens on its cluster bus port,
   * `port + 10000`, which the runner and compose keep free and publish too.
   */
  readonly clusterEnabled?: boolean;
}

/** One Redis Sentinel (`redis-server <conf> --sentinel`), with its own writable config file. */
export interface SentinelSpec {
  /** Unique across the whole lab, e.g. `sentinel-1`; also the compose service name. */
  readonly name: string;
  readonly port: number;
}

/** How the topology's sentinels watch its masters. */
export interface SentinelSettings {
  /** Redis node names of the masters watched; each is monitored under its own name. */
  readonly masters: readonly string[];
  /** Sentinels that must agree a master is down before a failover (`quorum`). */
  readonly quorum: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
}

/** One etcd member: a client port (the API) and a peer port (Raft between members). */
export interface EtcdMemberSpec {
  /** Unique across the whole lab, e.g. `lock-etcd-1`; also the compose service name. */
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

/**
 * A Redis Cluster formed once its nodes run (`redis-cli --cluster create` or the same by hand):
 * masters share the 16384 slots, each replica follows its master, spares join with no slots.
 */
export interface RedisClusterSpec {
  readonly masters: readonly string[];
  /** replica node name -> master node name. */
  readonly replicas: Readonly<Record<string, string>>;
  /** Masters started and joined to the cluster but given no slots (scale-out targets), with their replicas. */
  readonly spares?: readonly string[];
  readonly nodeTimeoutMs: number;
}

/** The engines a pattern can run on: the hand-made one by default, real ones beside it. */
export interface EngineChoice {
  /** Name of the engine the base topology runs, e.g. `router`. */
  readonly default: string;
  /**
   * Other engines, each a whole topology (its own process names, the same port block).
   * Its services get `ENGINE=<name>` in their env from the runner and compose.
   */
  readonly others: Readonly<Record<string, () => PatternTopology>>;
  /** One line per engine for `pnpm lab list`, keyed by engine name (the default included). */
  readonly descriptions?: Readonly<Record<string, string>>;
}

export interface ServiceSpec {
  /** Unique across the whole lab, e.g. `lock-a`; also the compose service name. */
  readonly name: string;
  /** HTTP port (API, Swagger UI, live view, socket.io). */
  readonly port: number;
  /** Redis nodes this instance talks to, passed as `REDIS_NODES=name=redis://host:port,...`. */
  readonly redis: readonly string[];
  /** Other service instances it talks to, passed as `PEERS=name=http://host:port,...`. */
  readonly peers?: readonly string[];
  /** Extra TCP ports the instance serves (e.g. `respPort`), passed as env `PORT_<NAME>`. */
  readonly extraPorts?: Readonly<Record<string, number>>;
  /** Static environment, the same under the runner and compose. */
  readonly env?: Readonly<Record<string, string>>;
  /** etcd members it talks to, passed as `ETCD_ENDPOINTS=http://host:port,...` (client URLs). */
  readonly etcd?: readonly string[];
  /** Sentinels it asks for masters, passed as `SENTINELS=host:port,...`. */
  readonly sentinels?: readonly string[];
  /**
   * The instance keeps files on disk (an LSM store's WAL and SSTables): it gets `DATA_DIR`, a folder under the
   * runner's state dir (`--fresh` empties it), or in compose a named volume `<name>-data` mounted at `/data`.
   */
  readonly hasDataDir?: boolean;
}

export interface PatternTopology {
  /** Folder name under `patterns/` (or the kit's demo). */
  readonly name: string;
  readonly title: string;
  /** One line: what the pattern teaches. */
  readonly summary: string;
  readonly cap: CapLeaning;
  /** False until the pattern's issue lands: the runner refuses to start it. */
  readonly implemented: boolean;
  /** The issue that builds it, for the "not implemented yet" message. */
  readonly issue?: number;
  /** Package folder relative to the repository root, e.g. `patterns/distributed-lock`. */
  readonly dir: string;
  /** Service entry point relative to `dir`. */
  readonly entry: string;
  /** First port of the pattern's block; every port it uses lies in [portBlock, portBlock + 99]. */
  readonly portBlock: number;
  readonly redis: readonly RedisNodeSpec[];
  readonly services: readonly ServiceSpec[];
  /** etcd members, for patterns whose engine is etcd. */
  readonly etcd?: readonly EtcdMemberSpec[];
  /** Redis Sentinels watching some of `redis`, with their settings. */
  readonly sentinels?: { readonly nodes: readonly SentinelSpec[]; readonly settings: SentinelSettings };
  /** Formed into a Redis Cluster after its nodes start. */
  readonly redisCluster?: RedisClusterSpec;
  /** The engine switch: `pnpm lab up <pattern> --engine <name>`; absent when the pattern has one engine. */
  readonly engines?: EngineChoice;
  /**
   * Other sizes the pattern can run at (e.g. 5 replicas besides the default 3), built by `resize`:
   * `pnpm lab up <pattern> --size 5`, and in compose an override file per size.
   */
  readonly sizes?: {
    readonly default: number;
    readonly others: readonly number[];
    readonly resize: (size: number) => PatternTopology;
  };
}

/** Identity helper that keeps literal types and documents intent at the declaration site. */
export function defineTopology(topology: PatternTopology): PatternTopology {
  return topology;
}

/** Where a process can be reached: differs between the local runner and compose. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

export type AddressBook = (processName: string) => Address;

/** Where an instance with `hasDataDir` finds its folder inside a compose container. */
export const containerDataDir = '/data';

/** Where etcd members (client port) and sentinels are reached, for services that use them. */
export interface EngineAddressBooks {
  readonly etcd?: AddressBook;
  readonly sentinel?: AddressBook;
}

/** The environment one service instance starts with, given where its peers live. */
export function serviceEnv(
  service: ServiceSpec,
  redisAddress: AddressBook,
  serviceAddress: AddressBook,
  engineAddress: EngineAddressBooks = {},
): Record<string, string> {
  const env: Record<string, string> = {
    SERVICE_NAME: service.name,
    PORT: String(service.port),
    REDIS_NODES: service.redis
      .map((name) => {
        const a = redisAddress(name);
        return `${name}=redis://${a.host}:${a.port}`;
      })
      .join(','),
    ...service.env,
  };
  if (service.peers && service.peers.length > 0) {
    env.PEERS = service.peers
      .map((name) => {
        const a = serviceAddress(name);
        return `${name}=http://${a.host}:${a.port}`;
      })
      .join(',');
  }
  for (const [key, port] of Object.entries(service.extraPorts ?? {})) {
    env[extraPortEnvName(key)] = String(port);
  }
  const { etcd, sentinel } = engineAddress;
  if (service.etcd && service.etcd.length > 0) {
    if (!etcd) throw new Error(`${service.name} uses etcd, but no etcd addresses were given`);
    env.ETCD_ENDPOINTS = service.etcd
      .map((name) => {
        const a = etcd(name);
        return `http://${a.host}:${a.port}`;
      })
      .join(',');
  }
  if (service.sentinels && service.sentinels.length > 0) {
    if (!sentinel) throw new Error(`${service.name} uses sentinels, but no sentinel addresses were given`);
    env.SENTINELS = service.sentinels
      .map((name) => {
        const a = sentinel(name);
        return `${a.host}:${a.port}`;
      })
      .join(',');
  }
  return env;
}

/** `respPort` -> `PORT_RESP`: how an extra port reaches the service. */
export function extraPortEnvName(key: string): string {
  return `PORT_${key
    .replace(/Port$/, '')
    .replace(/[A-Z]/g, (c) => `_${c}`)
    .toUpperCase()}`;
}

/** A Redis Cluster node's bus port: always its port + 10000, by Redis's own rule. */
export const clusterBusPortOffset = 10_000;

/**
 * Every port a topology uses inside its block, with its owner, for collision and block checks:
 * Redis nodes, services and their extra ports, etcd client and peer ports (`<member>.peer`), sentinels.
 * Cluster bus ports lie outside the block by Redis's rule: see clusterBusPortsOf.
 */
export function portsOf(topology: PatternTopology): { owner: string; port: number }[] {
  return [
    ...topology.redis.map((r) => ({ owner: r.name, port: r.port })),
    ...topology.services.flatMap((s) => [
      { owner: s.name, port: s.port },
      ...Object.entries(s.extraPorts ?? {}).map(([k, port]) => ({ owner: `${s.name}.${k}`, port })),
    ]),
    ...(topology.etcd ?? []).flatMap((m) => [
      { owner: m.name, port: m.clientPort },
      { owner: `${m.name}.peer`, port: m.peerPort },
    ]),
    ...(topology.sentinels?.nodes ?? []).map((s) => ({ owner: s.name, port: s.port })),
  ];
}

/** The cluster bus port (`port + 10000`) of every `clusterEnabled` node, owned by `<node>.bus`. */
export function clusterBusPortsOf(topology: PatternTopology): { owner: string; port: number }[] {
  return topology.redis
    .filter((r) => r.clusterEnabled)
    .map((r) => ({ owner: `${r.name}.bus`, port: r.port + clusterBusPortOffset }));
}

/** Every process name of a topology (unique across the lab: each is also a compose service name). */
export function processNamesOf(topology: PatternTopology): string[] {
  return [
    ...topology.redis.map((r) => r.name),
    ...(topology.etcd ?? []).map((m) => m.name),
    ...(topology.sentinels?.nodes ?? []).map((s) => s.name),
    ...topology.services.map((s) => s.name),
  ];
}

/** Every engine a topology declares, the default first; empty when it runs on one engine only. */
export function engineNamesOf(topology: PatternTopology): string[] {
  const engines = topology.engines;
  return engines ? [engines.default, ...Object.keys(engines.others)] : [];
}

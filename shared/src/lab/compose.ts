import path from 'node:path';
import { Document, isMap, isScalar, isSeq, Scalar, visit } from 'yaml';
import type { PatternTopology, RedisNodeSpec, ServiceSpec } from '../topology/index.ts';
import { containerDataDir, serviceEnv } from '../topology/index.ts';
import {
  clusterInitName,
  clusterInitService,
  clusterNodeService,
  etcdContainerClientPort,
  etcdMemberService,
  etcdVolumeName,
  sentinelService,
  type DependsOn,
  type EngineServicePart,
} from './compose-engines.ts';
import { repoRoot } from './registry.ts';
import { defaultEngine, engineVariants } from './topology-engine.ts';

/**
 * docker-compose.yml is derived from the topologies, like the lab runner's
 * processes, so a port or a replica link is declared once, in `topology.ts`.
 */

/** Where the generated file lives; the tests compare it with a fresh render. */
export const composeFilePath = path.join(repoRoot, 'docker-compose.yml');

/** Pinned so every learner runs the same Redis; 7.2 is the last BSD-licensed line. */
export const redisImage = 'redis:7.2-alpine';

/** Inside the compose network every Redis listens on its default port; only the host port differs. */
const redisContainerPort = 6379;

/** The subset of the compose spec this generator writes. */
export interface ComposeHealthcheck {
  readonly test: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly start_period: string;
}

export interface ComposeServiceOverride {
  readonly environment?: Readonly<Record<string, string>>;
  readonly depends_on?: DependsOn;
}

export interface ComposeService {
  readonly image: string;
  readonly build?: {
    readonly context: string;
    readonly dockerfile: string;
    readonly args: Readonly<Record<string, string>>;
  };
  readonly profiles: readonly string[];
  readonly init?: boolean;
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly ports: readonly string[];
  readonly volumes?: readonly string[];
  readonly depends_on?: DependsOn;
  /** Only the one-shot cluster-init container: it exits once the cluster is formed. */
  readonly restart?: 'no';
  /** Every long-running service has one; the one-shot init is waited for with service_completed_successfully. */
  readonly healthcheck?: ComposeHealthcheck;
}

export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, Record<string, never>>>;
}

/** Only implemented topologies get a profile: the others have no service to build yet. */
export function composeTopologies(topologies: readonly PatternTopology[]): PatternTopology[] {
  return topologies.filter((t) => t.implemented);
}

/** One compose profile: a topology on one engine (`<pattern>`, or `<pattern>-<engine>` for another engine). */
export interface ComposeProfile {
  readonly profile: string;
  readonly topology: PatternTopology;
  /** The engine its services get as ENGINE, or null for a pattern with one engine. */
  readonly engine: string | null;
  readonly title: string;
}

/** Every profile the file holds: each implemented pattern, then each of its other engines. */
export function composeProfiles(topologies: readonly PatternTopology[]): ComposeProfile[] {
  return composeTopologies(topologies).flatMap((base) => [
    {
      profile: base.name,
      topology: base,
      engine: defaultEngine(base),
      title: `${base.name} (${base.title}): ${base.summary}`,
    },
    ...engineVariants([base]).map(({ engine, variant }) => ({
      profile: `${base.name}-${engine}`,
      topology: variant,
      engine,
      title: `${base.name} --engine ${engine}${
        base.engines?.descriptions?.[engine] === undefined ? '' : `: ${base.engines.descriptions[engine]}`
      }`,
    })),
  ]);
}

/**
 * What every service with peers gets as CLUSTER_SECRET. A default keeps `docker compose` usable without
 * setup (every port is on 127.0.0.1); set LAB_CLUSTER_SECRET to a random value on a shared host.
 */
export const clusterSecretValue = '${LAB_CLUSTER_SECRET:-kvs-lab-insecure-default-secret}';

/** The named volume that keeps an append-only node's (or a `hasDataDir` instance's) data across `down`/`up`. */
export function redisVolumeName(node: RedisNodeSpec | ServiceSpec): string {
  return `${node.name}-data`;
}

/** An engine service with its profile, keys in the order people read a service: image, profile, the rest. */
function withProfile({ image, ...rest }: EngineServicePart, profile: string): ComposeService {
  return { image, profiles: [profile], ...rest };
}

function redisService(topology: PatternTopology, node: RedisNodeSpec, profile: string): ComposeService {
  if (node.clusterEnabled) return withProfile(clusterNodeService(topology, node, redisImage), profile);
  const command = ['redis-server', '--appendonly', node.appendOnly ? 'yes' : 'no', '--save', ''];
  if (node.replicaOf !== undefined) {
    if (!topology.redis.some((r) => r.name === node.replicaOf)) {
      throw new Error(`${topology.name}: ${node.name} replicates unknown node '${node.replicaOf}'`);
    }
    command.push('--replicaof', node.replicaOf, String(redisContainerPort));
  }
  return {
    image: redisImage,
    profiles: [profile],
    command,
    // Published on loopback only: these Redis nodes have no password.
    ports: [`127.0.0.1:${node.port}:${redisContainerPort}`],
    ...(node.appendOnly ? { volumes: [`${redisVolumeName(node)}:/data`] } : {}),
    healthcheck: {
      test: ['CMD', 'redis-cli', 'ping'],
      interval: '2s',
      timeout: '2s',
      retries: 15,
      start_period: '2s',
    },
  };
}

/** The probe runs inside the service's own image, which has node but no curl. */
export function healthzProbe(port: number): string {
  return `fetch('http://127.0.0.1:${port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
}

function instanceService(
  topology: PatternTopology,
  service: ServiceSpec,
  profile: string,
  engine: string | null,
): ComposeService {
  const redisByName = new Map(topology.redis.map((r) => [r.name, r]));
  const serviceByName = new Map(topology.services.map((s) => [s.name, s]));
  const sentinelByName = new Map((topology.sentinels?.nodes ?? []).map((s) => [s.name, s]));
  const etcdNames = new Set((topology.etcd ?? []).map((m) => m.name));
  const environment = serviceEnv(
    service,
    (name) => {
      const node = redisByName.get(name);
      if (!node) throw new Error(`${topology.name}: ${service.name} uses unknown Redis '${name}'`);
      // A cluster node listens on its own port inside the network too (see clusterNodeService).
      return { host: name, port: node.clusterEnabled ? node.port : redisContainerPort };
    },
    (name) => {
      const peer = serviceByName.get(name);
      if (!peer) throw new Error(`${topology.name}: ${service.name} has unknown peer '${name}'`);
      // A container listens on its host port too, so a peer's address is the same port on its name.
      return { host: peer.name, port: peer.port };
    },
    {
      etcd: (name) => {
        if (!etcdNames.has(name))
          throw new Error(`${topology.name}: ${service.name} uses unknown etcd '${name}'`);
        return { host: name, port: etcdContainerClientPort };
      },
      sentinel: (name) => {
        const node = sentinelByName.get(name);
        if (!node) throw new Error(`${topology.name}: ${service.name} uses unknown sentinel '${name}'`);
        return { host: name, port: node.port };
      },
    },
  );
  // Inside its container the service must listen on every interface; compose publishes it on 127.0.0.1 only.
  environment.HOST = '0.0.0.0';
  if (engine !== null) environment.ENGINE = engine;
  if ((service.peers ?? []).length > 0) environment.CLUSTER_SECRET = clusterSecretValue;
  if (service.hasDataDir) environment.DATA_DIR = containerDataDir;
  const ports = [service.port, ...Object.values(service.extraPorts ?? {})];
  const healthy = { condition: 'service_healthy' as const };
  const usesCluster = service.redis.some((name) => redisByName.get(name)?.clusterEnabled);
  const dependsOn: Record<string, DependsOn[string]> = {};
  for (const name of [...service.redis, ...(service.etcd ?? []), ...(service.sentinels ?? [])]) {
    // A new object each: a shared one would come out as a YAML anchor and aliases.
    dependsOn[name] = { ...healthy };
  }
  // The cluster must be formed, not only its nodes up, before a service sends its first command.
  if (usesCluster) dependsOn[clusterInitName(topology)] = { condition: 'service_completed_successfully' };
  return {
    // One image per pattern: every instance names the same tag, so it is built once and shared.
    image: `kvs-lab/${topology.name}:dev`,
    build: {
      context: '.',
      dockerfile: 'Dockerfile',
      args: { APP_DIR: topology.dir, APP_ENTRY: topology.entry },
    },
    profiles: [profile],
    // An init process forwards SIGTERM to node and reaps children, so graceful shutdown runs.
    init: true,
    environment,
    ports: ports.map((p) => `127.0.0.1:${p}:${p}`),
    // The image creates /data owned by the service's user, so a new named volume starts writable.
    ...(service.hasDataDir ? { volumes: [`${redisVolumeName(service)}:${containerDataDir}`] } : {}),
    // Peers are not dependencies: a ring's members start in any order and find each other.
    depends_on: dependsOn,
    healthcheck: {
      test: ['CMD', 'node', '-e', healthzProbe(service.port)],
      interval: '3s',
      timeout: '3s',
      retries: 20,
      // tsx compiles the sources on the first start.
      start_period: '10s',
    },
  };
}

/** The compose model: Redis nodes first, then instances, topology by topology. */
export function composeModel(topologies: readonly PatternTopology[]): ComposeFile {
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const add = (name: string, service: ComposeService): void => {
    if (name in services) throw new Error(`compose service name '${name}' is declared twice`);
    services[name] = service;
  };
  for (const { profile, topology, engine } of composeProfiles(topologies)) {
    for (const node of topology.redis) {
      add(node.name, redisService(topology, node, profile));
      if (node.appendOnly) volumes[redisVolumeName(node)] = {};
    }
    if (topology.redisCluster) {
      add(clusterInitName(topology), withProfile(clusterInitService(topology, redisImage), profile));
    }
    for (const member of topology.etcd ?? []) {
      add(member.name, withProfile(etcdMemberService(topology, member), profile));
      volumes[etcdVolumeName(member)] = {};
    }
    for (const node of topology.sentinels?.nodes ?? []) {
      const redisPortOf = (name: string): number => {
        const master = topology.redis.find((r) => r.name === name);
        if (!master) throw new Error(`${topology.name}: sentinels watch unknown Redis '${name}'`);
        return master.clusterEnabled ? master.port : redisContainerPort;
      };
      add(node.name, withProfile(sentinelService(topology, node, redisImage, redisPortOf), profile));
    }
    for (const service of topology.services) {
      add(service.name, instanceService(topology, service, profile, engine));
      if (service.hasDataDir) volumes[redisVolumeName(service)] = {};
    }
  }
  return Object.keys(volumes).length > 0 ? { services, volumes } : { services };
}

const header = [
  ' Generated by `pnpm lab compose` from each topology (patterns/*/src/topology.ts, shared/src/demo/topology.ts).',
  ' Do not edit by hand: change the topology and run `pnpm lab compose`; a test fails when this file is stale.',
  ' One profile per implemented pattern, and one per other engine it declares (`<pattern>-<engine>`);',
  ' ports are published on 127.0.0.1 only.',
  '   docker compose --profile <pattern> up --build --wait',
  '   docker compose --profile <pattern>-<engine> up --build --wait',
  '   docker compose --profile <pattern> down',
  ' Services with peers share CLUSTER_SECRET from LAB_CLUSTER_SECRET, with a well-known default: on a shared',
  ' host, first `export LAB_CLUSTER_SECRET=$(openssl rand -hex 32)`.',
  ' Redis Cluster nodes announce their container names: use a cluster client from inside the network, e.g.',
  '   docker compose exec <node> redis-cli -c -p <port>',
].join('\n');

const flowLists = new Set(['profiles', 'command', 'test']);

/** docker-compose.yml as text; deterministic, so the committed file can be compared with it. */
export function renderCompose(topologies: readonly PatternTopology[]): string {
  const implemented = composeTopologies(topologies);
  // YAML 1.1 quoting: compose v1 (PyYAML) reads a bare `no` as false and `22:22` as a base-60 number.
  const doc = new Document(composeModel(topologies), { version: '1.1' });
  doc.commentBefore = header;
  const services = doc.get('services');
  if (isMap(services)) {
    const firstOfTopology = new Map(
      composeProfiles(implemented).map(({ topology, title }) => [
        topology.redis[0]?.name ?? topology.etcd?.[0]?.name ?? topology.services[0]?.name,
        title,
      ]),
    );
    services.items.forEach((pair, i) => {
      if (!isScalar(pair.key)) return;
      // A blank line between services and a title above each topology's first one, for readers.
      pair.key.spaceBefore = i > 0;
      const title = firstOfTopology.get(String(pair.key.value));
      if (title !== undefined) pair.key.commentBefore = ` ${title}`;
    });
  }
  useReadableLists(doc);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * Short word lists read best on one line, as people write them by hand; a list holding a shell script
 * (`sh -c`) stays a block list with the script as a literal block, line for line as it runs.
 */
function useReadableLists(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || !flowLists.has(String(pair.key.value)) || !isSeq(pair.value)) return;
      const scripts = pair.value.items.filter(
        (item): item is Scalar =>
          isScalar(item) && typeof item.value === 'string' && item.value.includes('\n'),
      );
      for (const script of scripts) script.type = Scalar.BLOCK_LITERAL;
      pair.value.flow = scripts.length === 0;
    },
  });
}

/** Where a pattern's override for another size lives: beside its topology, named after the size. */
export function sizeOverridePath(topology: PatternTopology, size: number, root = repoRoot): string {
  return path.join(root, topology.dir, `docker-compose.size-${size}.yml`);
}

/**
 * The override that turns a pattern's profile into another size: the extra nodes and instances in full, and for
 * the instances that already exist only what changes (their REDIS_NODES, PEERS and dependencies), which compose
 * merges into the base file's definitions.
 */
export function sizeOverrideModel(base: PatternTopology, resized: PatternTopology): ComposeFile {
  const before = composeModel([{ ...base, implemented: true }]);
  const after = composeModel([{ ...resized, implemented: true }]);
  const services: Record<string, ComposeService | ComposeServiceOverride> = {};
  for (const [name, service] of Object.entries(after.services)) {
    const old = before.services[name];
    if (!old) services[name] = service;
    else if (JSON.stringify(old) !== JSON.stringify(service)) {
      services[name] = { environment: service.environment ?? {}, depends_on: service.depends_on ?? {} };
    }
  }
  const volumes = Object.fromEntries(
    Object.entries(after.volumes ?? {}).filter(([name]) => !(name in (before.volumes ?? {}))),
  );
  return {
    services: services as Record<string, ComposeService>,
    ...(Object.keys(volumes).length > 0 ? { volumes } : {}),
  };
}

/** The override file as text, with a header that says how to use it. */
export function renderSizeOverride(base: PatternTopology, resized: PatternTopology, size: number): string {
  const doc = new Document(sizeOverrideModel(base, resized), { version: '1.1' });
  const file = path.relative(repoRoot, sizeOverridePath(base, size));
  doc.commentBefore = [
    ` Generated by \`pnpm lab compose\` from ${base.dir}/src/topology.ts: ${base.name} with ${size} nodes.`,
    ' Do not edit by hand. Use it on top of docker-compose.yml, from the repository root:',
    `   docker compose -f docker-compose.yml -f ${file} --profile ${base.name} up --build --wait`,
  ].join('\n');
  useReadableLists(doc);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

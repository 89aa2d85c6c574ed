import type { PatternTopology } from '@kvs-lab/shared/topology';
import { clusterBusPortsOf, portsOf, processNamesOf } from '@kvs-lab/shared/topology';
import { composeProfiles } from '../../shared/src/lab/compose.ts';
import { clusterInitName, etcdImage } from '../../shared/src/lab/compose-engines.ts';

/**
 * The lab's own rules for docker-compose.yml, beyond the compose spec. Each check
 * returns the problems it finds (empty = fine), so the sanity tests can show that
 * a broken file is caught, not only that a good file passes.
 */

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function servicesOf(file: unknown): [string, Json][] {
  if (!isRecord(file) || !isRecord(file.services)) return [];
  return Object.entries(file.services).map(([name, s]) => [name, isRecord(s) ? s : {}]);
}

function profilesOf(service: Json): string[] {
  return Array.isArray(service.profiles) ? service.profiles.map(String) : [];
}

function dependenciesOf(service: Json): string[] {
  const d = service.depends_on;
  if (Array.isArray(d)) return d.map(String);
  return isRecord(d) ? Object.keys(d) : [];
}

export interface PublishedPort {
  readonly hostIp: string | undefined;
  readonly hostPort: number;
  readonly containerPort: number;
}

/** Short (`[ip:]host:container[/proto]`) and long port syntax; `undefined` when unreadable. */
export function parsePort(entry: unknown): PublishedPort | undefined {
  if (typeof entry === 'string') {
    const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+):(\d+)(?:\/(?:tcp|udp))?$/.exec(entry);
    if (!m) return undefined;
    return { hostIp: m[1], hostPort: Number(m[2]), containerPort: Number(m[3]) };
  }
  if (isRecord(entry) && entry.published !== undefined) {
    return {
      hostIp: typeof entry.host_ip === 'string' ? entry.host_ip : undefined,
      hostPort: Number(entry.published),
      containerPort: Number(entry.target),
    };
  }
  return undefined;
}

function portsOfService(name: string, service: Json, problems: string[]): PublishedPort[] {
  const raw: unknown[] = Array.isArray(service.ports) ? service.ports : [];
  return raw.flatMap((entry) => {
    const port = parsePort(entry);
    if (!port) problems.push(`${name}: port ${JSON.stringify(entry)} does not publish a host port`);
    return port ? [port] : [];
  });
}

/** Every lab rule at once; the test file also runs them one by one for clearer failures. */
export function composeProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  return [
    ...topLevelProblems(file),
    ...profileProblems(file, topologies),
    ...dependencyProblems(file),
    ...portProblems(file, topologies),
    ...healthcheckProblems(file),
    ...engineProblems(file, topologies),
  ];
}

/** Profile name -> the topology it runs (`<pattern>` or `<pattern>-<engine>`), for implemented topologies. */
function profileTopologies(topologies: readonly PatternTopology[]): Map<string, PatternTopology> {
  return new Map(composeProfiles(topologies).map((p) => [p.profile, p.topology]));
}

/** Every compose service a profile's topology declares, the one-shot cluster init included. */
function declaredNames(topology: PatternTopology): string[] {
  return [...processNamesOf(topology), ...(topology.redisCluster ? [clusterInitName(topology)] : [])];
}

/** No top-level `name`: Debian's docker-compose 1.29 refuses it. */
export function topLevelProblems(file: unknown): string[] {
  if (!isRecord(file)) return ['the file is not a mapping'];
  return 'name' in file ? ['top-level `name` is set: docker-compose v1 refuses it'] : [];
}

/** One profile per implemented topology and per other engine it declares, exactly one profile per service. */
export function profileProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const byProfile = profileTopologies(topologies);
  const unbuilt = new Set(topologies.filter((t) => !t.implemented).map((t) => t.name));
  const seen = new Set<string>();
  for (const [name, service] of servicesOf(file)) {
    const profiles = profilesOf(service);
    if (profiles.length !== 1) {
      problems.push(`${name}: has ${profiles.length} profiles (${profiles.join(', ')}); needs exactly one`);
    }
    for (const profile of profiles) {
      seen.add(profile);
      const topology = byProfile.get(profile);
      if (unbuilt.has(profile)) problems.push(`${name}: profile '${profile}' is not implemented yet`);
      else if (!topology) problems.push(`${name}: profile '${profile}' names no topology or engine`);
      else if (!declaredNames(topology).includes(name)) {
        problems.push(`${name}: is not declared by profile '${profile}'`);
      }
    }
  }
  for (const t of topologies) {
    if (t.implemented && !seen.has(t.name)) problems.push(`implemented topology '${t.name}' has no profile`);
  }
  for (const profile of byProfile.keys()) {
    if (!seen.has(profile)) problems.push(`profile '${profile}' has no service`);
  }
  return problems;
}

/** A dependency must exist and start with the same profile, or `up --profile` fails. */
export function dependencyProblems(file: unknown): string[] {
  const problems: string[] = [];
  const services = new Map(servicesOf(file));
  for (const [name, service] of services) {
    for (const target of dependenciesOf(service)) {
      const dep = services.get(target);
      if (!dep) problems.push(`${name}: depends_on '${target}', which is not defined`);
      else if (profilesOf(dep).join() !== profilesOf(service).join()) {
        problems.push(`${name}: depends_on '${target}' in another profile (${profilesOf(dep).join(', ')})`);
      }
    }
  }
  return problems;
}

/**
 * Published ports are exactly the profile's, on 127.0.0.1 (nothing here has a password), each host port once
 * per profile (engines of one pattern share its block, one profile runs at a time), inside the 100-port block;
 * a cluster node's bus port (port + 10000) is published too, outside the block by Redis's rule.
 */
export function portProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const byProfile = profileTopologies(topologies);
  const published = new Map<string, number[]>();
  for (const [name, service] of servicesOf(file)) {
    const profile = profilesOf(service)[0] ?? '';
    for (const port of portsOfService(name, service, problems)) {
      if (port.hostIp !== '127.0.0.1') {
        problems.push(
          `${name}: port ${port.hostPort} is published on ${port.hostIp ?? 'every interface'}, not 127.0.0.1`,
        );
      }
      const key = `${profile}:${port.hostPort}`;
      const owner = owners.get(key);
      if (owner !== undefined)
        problems.push(`${name}: host port ${port.hostPort} is also published by ${owner}`);
      owners.set(key, name);
      published.set(profile, [...(published.get(profile) ?? []), port.hostPort]);
    }
  }
  for (const [profile, ports] of published) {
    const topology = byProfile.get(profile);
    if (!topology) continue;
    const busPorts = new Set(clusterBusPortsOf(topology).map((p) => p.port));
    const expected = [...portsOf(topology).map((p) => p.port), ...busPorts];
    const sorted = (xs: number[]): string => [...xs].sort((a, b) => a - b).join(',');
    if (sorted(ports) !== sorted(expected)) {
      problems.push(
        `${profile}: publishes ports [${sorted(ports)}], topology declares [${sorted(expected)}]`,
      );
    }
    for (const port of ports) {
      if (busPorts.has(port)) continue;
      if (port < topology.portBlock || port > topology.portBlock + 99) {
        problems.push(
          `${profile}: port ${port} is outside its block ${topology.portBlock}-${topology.portBlock + 99}`,
        );
      }
    }
  }
  return problems;
}

/**
 * `condition: service_healthy` waits forever on a service without a healthcheck. Only a one-shot container
 * (`restart: "no"`) that everything waits for with service_completed_successfully may go without.
 */
export function healthcheckProblems(file: unknown): string[] {
  const services = new Map(servicesOf(file));
  const waitsForHealth = (target: string): boolean =>
    [...services.values()].some((s) => {
      const d = isRecord(s.depends_on) ? s.depends_on[target] : undefined;
      return Array.isArray(s.depends_on)
        ? s.depends_on.includes(target)
        : isRecord(d) && d.condition !== 'service_completed_successfully';
    });
  return [...services].flatMap(([name, service]) => {
    if (isRecord(service.healthcheck) && Array.isArray(service.healthcheck.test)) return [];
    if (service.restart === 'no' && !waitsForHealth(name)) return [];
    return [`${name}: has no healthcheck, so nothing can wait for it to be healthy`];
  });
}

/**
 * Topology-level rules: ports in block, process names unique across the whole lab (every engine's too:
 * they are compose service names in one file), and no port shared by two patterns.
 */
export function topologyProblems(topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, string>();
  const ports = new Map<number, string>();
  for (const { profile, topology: t } of composeProfiles(
    topologies.map((x) => ({ ...x, implemented: true })),
  )) {
    for (const name of declaredNames(t)) {
      const other = names.get(name);
      if (other !== undefined) problems.push(`name '${name}' is used by ${other} and ${profile}`);
      names.set(name, profile);
    }
    for (const { owner, port } of portsOf(t)) {
      if (port < t.portBlock || port > t.portBlock + 99) {
        problems.push(`${profile}: ${owner} port ${port} is outside ${t.portBlock}-${t.portBlock + 99}`);
      }
    }
    for (const { owner, port } of [...portsOf(t), ...clusterBusPortsOf(t)]) {
      const other = ports.get(port);
      // The engines of one pattern share its ports; two patterns never do.
      if (other !== undefined && !other.startsWith(`${t.name}.`)) {
        problems.push(`port ${port} is used by ${other} and ${t.name}.${owner}`);
      }
      ports.set(port, `${t.name}.${owner}`);
    }
  }
  return problems;
}

function commandOf(service: Json): string[] {
  return Array.isArray(service.command) ? service.command.map(String) : [];
}

/** Each Redis node runs as its spec says: AOF on or off, replica of its master, AOF data on a volume. */
export function redisNodeProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const services = new Map(servicesOf(file));
  const volumes = isRecord(file) && isRecord(file.volumes) ? Object.keys(file.volumes) : [];
  for (const { topology: t } of composeProfiles(topologies)) {
    for (const node of t.redis) {
      const service = services.get(node.name);
      if (!service) {
        problems.push(`${t.name}: Redis node ${node.name} is missing`);
        continue;
      }
      const image = typeof service.image === 'string' ? service.image : '';
      if (!/^redis:\d+\.\d+[\w.-]*$/.test(image))
        problems.push(`${node.name}: image '${image}' is not a pinned redis tag`);
      const command = commandOf(service).join(' ');
      const aof = node.appendOnly ? 'yes' : 'no';
      if (!command.includes(`--appendonly ${aof}`))
        problems.push(`${node.name}: command lacks --appendonly ${aof}`);
      const replicaOf = node.replicaOf === undefined ? undefined : `--replicaof ${node.replicaOf} 6379`;
      if (replicaOf !== undefined && !command.includes(replicaOf))
        problems.push(`${node.name}: command lacks ${replicaOf}`);
      if (replicaOf === undefined && command.includes('--replicaof'))
        problems.push(`${node.name}: is not a replica`);
      const cluster = `--port ${node.port} --cluster-enabled yes`;
      if (node.clusterEnabled && !command.includes(cluster))
        problems.push(`${node.name}: command lacks ${cluster}`);
      if (!node.clusterEnabled && command.includes('--cluster-enabled'))
        problems.push(`${node.name}: is not a cluster node`);
      const mounts = Array.isArray(service.volumes) ? service.volumes.map(String) : [];
      const volume = mounts.find((m) => m.endsWith(':/data'))?.split(':')[0];
      // A cluster node keeps its AOF in the container (a killed and restarted node comes back with its
      // data) but no volume: nodes.conf names its peers by the IPs of this network, so each `up` forms the
      // cluster afresh (cluster-init) rather than resume one whose addresses may have changed.
      if (node.appendOnly && !node.clusterEnabled && (volume === undefined || !volumes.includes(volume))) {
        problems.push(`${node.name}: append-only node without a declared named volume on /data`);
      }
    }
  }
  return problems;
}

/**
 * Each instance builds its pattern's image from the shared Dockerfile, listens on every interface inside its
 * container, and waits for its Redis nodes, etcd members and sentinels to be healthy (and for its cluster to
 * be formed); its engine and, with peers, the cluster secret come in its environment.
 */
export function instanceProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const services = new Map(servicesOf(file));
  for (const { topology: t, engine } of composeProfiles(topologies)) {
    for (const spec of t.services) {
      const service = services.get(spec.name);
      if (!service) {
        problems.push(`${t.name}: service ${spec.name} is missing`);
        continue;
      }
      if (service.image !== `kvs-lab/${t.name}:dev`)
        problems.push(`${spec.name}: image is not kvs-lab/${t.name}:dev`);
      const build = isRecord(service.build) ? service.build : {};
      const args = isRecord(build.args) ? build.args : {};
      if (build.dockerfile !== 'Dockerfile' || args.APP_DIR !== t.dir || args.APP_ENTRY !== t.entry) {
        problems.push(`${spec.name}: build must use Dockerfile with APP_DIR=${t.dir} APP_ENTRY=${t.entry}`);
      }
      const env = isRecord(service.environment) ? service.environment : {};
      if (env.HOST !== '0.0.0.0') problems.push(`${spec.name}: HOST must be 0.0.0.0 inside its container`);
      if ((env.ENGINE ?? null) !== engine) problems.push(`${spec.name}: ENGINE is not ${engine ?? 'unset'}`);
      const hasPeers = (spec.peers ?? []).length > 0;
      const secret = typeof env.CLUSTER_SECRET === 'string' ? env.CLUSTER_SECRET : undefined;
      if (
        hasPeers !== (secret !== undefined) ||
        (secret !== undefined && !secret.includes('LAB_CLUSTER_SECRET'))
      )
        problems.push(
          `${spec.name}: CLUSTER_SECRET must come from LAB_CLUSTER_SECRET exactly when it has peers`,
        );
      const usesCluster = spec.redis.some((name) => t.redis.find((r) => r.name === name)?.clusterEnabled);
      const healthyDeps = [...spec.redis, ...(spec.etcd ?? []), ...(spec.sentinels ?? [])];
      const expected = [...healthyDeps, ...(usesCluster ? [clusterInitName(t)] : [])];
      const deps = isRecord(service.depends_on) ? service.depends_on : {};
      if ([...Object.keys(deps)].sort().join() !== [...expected].sort().join()) {
        problems.push(`${spec.name}: depends_on [${Object.keys(deps).join()}], uses [${expected.join()}]`);
      }
      for (const [dep, condition] of Object.entries(deps)) {
        const wanted = healthyDeps.includes(dep) ? 'service_healthy' : 'service_completed_successfully';
        if (!isRecord(condition) || condition.condition !== wanted) {
          problems.push(`${spec.name}: depends_on ${dep} must wait for ${wanted}`);
        }
      }
    }
  }
  return problems;
}

/**
 * The real engines run as their topology says: etcd members from the pinned image with their data on a
 * named volume and the whole member list, sentinels in sentinel mode watching their masters, and one
 * cluster-init container per Redis Cluster waiting for every node.
 */
export function engineProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const services = new Map(servicesOf(file));
  const volumes = isRecord(file) && isRecord(file.volumes) ? Object.keys(file.volumes) : [];
  for (const { topology: t } of composeProfiles(topologies)) {
    for (const member of t.etcd ?? []) {
      const service = services.get(member.name);
      if (!service) {
        problems.push(`${t.name}: etcd member ${member.name} is missing`);
        continue;
      }
      if (service.image !== etcdImage) problems.push(`${member.name}: image is not ${etcdImage}`);
      const command = commandOf(service).join(' ');
      const cluster = (t.etcd ?? []).map((m) => `${m.name}=http://${m.name}:2380`).join(',');
      if (!command.includes(`--initial-cluster ${cluster}`))
        problems.push(`${member.name}: --initial-cluster is not ${cluster}`);
      const mounts = Array.isArray(service.volumes) ? service.volumes.map(String) : [];
      const volume = mounts.find((m) => m.endsWith(':/etcd-data'))?.split(':')[0];
      if (volume === undefined || !volumes.includes(volume))
        problems.push(`${member.name}: no declared named volume on /etcd-data`);
    }
    for (const node of t.sentinels?.nodes ?? []) {
      const service = services.get(node.name);
      const script = service ? commandOf(service).join(' ') : '';
      if (!script.includes(`--sentinel --port ${node.port}`))
        problems.push(`${node.name}: does not run as a sentinel on port ${node.port}`);
      for (const master of t.sentinels?.settings.masters ?? []) {
        if (!script.includes(`sentinel monitor ${master} ${master} `))
          problems.push(`${node.name}: does not monitor ${master}`);
      }
    }
    if (t.redisCluster) {
      const init = services.get(clusterInitName(t));
      const deps = init && isRecord(init.depends_on) ? Object.keys(init.depends_on).sort().join() : '';
      const nodes = t.redis
        .filter((r) => r.clusterEnabled)
        .map((r) => r.name)
        .sort()
        .join();
      if (!init) problems.push(`${t.name}: ${clusterInitName(t)} is missing`);
      else if (deps !== nodes) problems.push(`${clusterInitName(t)}: depends_on [${deps}], nodes [${nodes}]`);
    }
  }
  return problems;
}

import type { PatternTopology } from '@kvs-lab/shared/topology';
import { portsOf } from '@kvs-lab/shared/topology';

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
  ];
}

/** No top-level `name`: Debian's docker-compose 1.29 refuses it. */
export function topLevelProblems(file: unknown): string[] {
  if (!isRecord(file)) return ['the file is not a mapping'];
  return 'name' in file ? ['top-level `name` is set: docker-compose v1 refuses it'] : [];
}

/** One profile per implemented topology, exactly one profile per service. */
export function profileProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const byName = new Map(topologies.map((t) => [t.name, t]));
  const seen = new Set<string>();
  for (const [name, service] of servicesOf(file)) {
    const profiles = profilesOf(service);
    if (profiles.length !== 1) {
      problems.push(`${name}: has ${profiles.length} profiles (${profiles.join(', ')}); needs exactly one`);
    }
    for (const profile of profiles) {
      seen.add(profile);
      const topology = byName.get(profile);
      if (!topology) problems.push(`${name}: profile '${profile}' names no topology`);
      else if (!topology.implemented) problems.push(`${name}: profile '${profile}' is not implemented yet`);
      else if (![...topology.redis, ...topology.services].some((p) => p.name === name)) {
        problems.push(`${name}: is not declared by topology '${profile}'`);
      }
    }
  }
  for (const t of topologies) {
    if (t.implemented && !seen.has(t.name)) problems.push(`implemented topology '${t.name}' has no profile`);
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
 * Published ports are exactly the topology's, on 127.0.0.1 (nothing here has a
 * password), each host port once, inside the topology's 100-port block.
 */
export function portProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const owners = new Map<number, string>();
  const byName = new Map(topologies.map((t) => [t.name, t]));
  const published = new Map<string, number[]>();
  for (const [name, service] of servicesOf(file)) {
    for (const port of portsOfService(name, service, problems)) {
      if (port.hostIp !== '127.0.0.1') {
        problems.push(
          `${name}: port ${port.hostPort} is published on ${port.hostIp ?? 'every interface'}, not 127.0.0.1`,
        );
      }
      const owner = owners.get(port.hostPort);
      if (owner !== undefined)
        problems.push(`${name}: host port ${port.hostPort} is also published by ${owner}`);
      owners.set(port.hostPort, name);
      const profile = profilesOf(service)[0];
      if (profile !== undefined) published.set(profile, [...(published.get(profile) ?? []), port.hostPort]);
    }
  }
  for (const [profile, ports] of published) {
    const topology = byName.get(profile);
    if (!topology) continue;
    const expected = portsOf(topology).map((p) => p.port);
    const sorted = (xs: number[]): string => [...xs].sort((a, b) => a - b).join(',');
    if (sorted(ports) !== sorted(expected)) {
      problems.push(
        `${profile}: publishes ports [${sorted(ports)}], topology declares [${sorted(expected)}]`,
      );
    }
    for (const port of ports) {
      if (port < topology.portBlock || port > topology.portBlock + 99) {
        problems.push(
          `${profile}: port ${port} is outside its block ${topology.portBlock}-${topology.portBlock + 99}`,
        );
      }
    }
  }
  return problems;
}

/** `condition: service_healthy` waits forever on a service without a healthcheck. */
export function healthcheckProblems(file: unknown): string[] {
  const services = new Map(servicesOf(file));
  return [...services].flatMap(([name, service]) =>
    isRecord(service.healthcheck) && Array.isArray(service.healthcheck.test)
      ? []
      : [`${name}: has no healthcheck, so nothing can wait for it to be healthy`],
  );
}

/** Topology-level rules: ports in block and process names unique across the whole lab. */
export function topologyProblems(topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, string>();
  const ports = new Map<number, string>();
  for (const t of topologies) {
    for (const p of [...t.redis, ...t.services]) {
      const other = names.get(p.name);
      if (other !== undefined) problems.push(`name '${p.name}' is used by ${other} and ${t.name}`);
      names.set(p.name, t.name);
    }
    for (const { owner, port } of portsOf(t)) {
      if (port < t.portBlock || port > t.portBlock + 99) {
        problems.push(`${t.name}: ${owner} port ${port} is outside ${t.portBlock}-${t.portBlock + 99}`);
      }
      const other = ports.get(port);
      if (other !== undefined) problems.push(`port ${port} is used by ${other} and ${t.name}.${owner}`);
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
  for (const t of topologies.filter((x) => x.implemented)) {
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
      const mounts = Array.isArray(service.volumes) ? service.volumes.map(String) : [];
      const volume = mounts.find((m) => m.endsWith(':/data'))?.split(':')[0];
      if (node.appendOnly && (volume === undefined || !volumes.includes(volume))) {
        problems.push(`${node.name}: append-only node without a declared named volume on /data`);
      }
    }
  }
  return problems;
}

/** Each instance builds its pattern's image from the shared Dockerfile and waits for its Redis nodes. */
export function instanceProblems(file: unknown, topologies: readonly PatternTopology[]): string[] {
  const problems: string[] = [];
  const services = new Map(servicesOf(file));
  for (const t of topologies.filter((x) => x.implemented)) {
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
      const deps = isRecord(service.depends_on) ? service.depends_on : {};
      if ([...Object.keys(deps)].sort().join() !== [...spec.redis].sort().join()) {
        problems.push(
          `${spec.name}: depends_on [${Object.keys(deps).join()}], uses Redis [${spec.redis.join()}]`,
        );
      }
      for (const [dep, condition] of Object.entries(deps)) {
        if (!isRecord(condition) || condition.condition !== 'service_healthy') {
          problems.push(`${spec.name}: depends_on ${dep} must wait for service_healthy`);
        }
      }
    }
  }
  return problems;
}

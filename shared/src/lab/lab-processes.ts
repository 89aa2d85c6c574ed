import path from 'node:path';
import type { ManagedProcess, ProcessExit } from '../process/managed-process.ts';
import { EtcdServerProcess } from '../process/etcd-server.ts';
import type { ClusterFormNode } from '../process/redis-cluster-form.ts';
import { RedisServerProcess } from '../process/redis-server.ts';
import { sentinelConfigText } from '../process/sentinel-config.ts';
import { serviceEnv, type PatternTopology } from '../topology/index.ts';
import { LabError } from './lab-error.ts';
import { repoRoot } from './registry.ts';
import { ServiceProcess } from './service-process.ts';
import { patternStateDir, type ProcessRecord, type ProcessRole } from './state-file.ts';
import type { LabSettings } from './lab-settings.ts';
import type { RunSettings } from './run-settings.ts';

/** One process `lab up` runs: a Redis node, an etcd member, a sentinel or a service instance. */
export interface LabProcess {
  readonly name: string;
  readonly role: ProcessRole;
  readonly port: number;
  readonly url: string;
  readonly extraPorts: Readonly<Record<string, number>>;
  readonly dir?: string;
  /** A sentinel's first config, written anew at each `up` (Sentinel rewrites it while it runs). */
  readonly configFile?: { readonly path: string; readonly text: string };
  readonly process: ManagedProcess;
  /** Mutable bookkeeping for `state`: glue code, not the algorithm. */
  isReady: boolean;
  lastExit?: string;
}

/** What the supervisor hears from each child: its output lines, spawns and exits. */
export interface ProcessHooks {
  readonly onOutput: (line: string) => void;
  readonly onSpawn: () => void;
  readonly onExit: (exit: ProcessExit) => void;
}

// The lab listens on loopback only (the services' HOST too).
export const labHost = '127.0.0.1';
const host = labHost;

/** The parts of a declared process that differ by kind; the rest starts the same for every kind. */
function labProcess(
  name: string,
  role: ProcessRole,
  server: ManagedProcess,
  where: Pick<LabProcess, 'port' | 'url'> & Partial<Pick<LabProcess, 'dir' | 'extraPorts' | 'configFile'>>,
): LabProcess {
  return { name, role, process: server, extraPorts: {}, ...where, isReady: false };
}

interface DeclareOptions {
  readonly topology: PatternTopology;
  readonly settings: LabSettings;
  readonly readyTimeoutMs: number;
  readonly run: Pick<RunSettings, 'engine'>;
}

/** What every kind of process declaration needs to know about the pattern. */
interface DeclareContext {
  readonly topology: PatternTopology;
  readonly patternDir: string;
  readonly readyTimeoutMs: number;
  readonly hooks: (name: string) => ProcessHooks;
  readonly portOf: (kind: 'redis' | 'services', name: string) => number;
}

function declareRedisNodes(c: DeclareContext): LabProcess[] {
  const clusterArgs = [
    ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
    ...['--cluster-node-timeout', String(c.topology.redisCluster?.nodeTimeoutMs ?? 2_000)],
  ];
  return c.topology.redis.map((node) => {
    const dir = path.join(c.patternDir, node.name);
    const replicaOf = node.replicaOf ? { host, port: c.portOf('redis', node.replicaOf) } : undefined;
    const server = new RedisServerProcess({
      port: node.port,
      dir,
      host,
      appendOnly: node.appendOnly,
      replicaOf,
      // nodes.conf lives in the node's dir: a restart (or the next `up`) rejoins the same cluster.
      ...(node.clusterEnabled ? { extraArgs: clusterArgs } : {}),
      detached: true,
      readyTimeoutMs: c.readyTimeoutMs,
      ...c.hooks(node.name),
    });
    return labProcess(node.name, 'redis', server, { port: node.port, url: server.url, dir });
  });
}

function declareEtcdMembers(c: DeclareContext): LabProcess[] {
  const members = c.topology.etcd ?? [];
  const initialCluster = members.map((m) => ({ name: m.name, peerUrl: `http://${host}:${m.peerPort}` }));
  return members.map((member) => {
    const dir = path.join(c.patternDir, member.name);
    const server = new EtcdServerProcess({
      name: member.name,
      clientPort: member.clientPort,
      peerPort: member.peerPort,
      dataDir: dir,
      host,
      initialCluster,
      // Per pattern: two labs' members can never join one another's cluster.
      clusterToken: `kvs-lab-${c.topology.name}`,
      detached: true,
      readyTimeoutMs: c.readyTimeoutMs,
      ...c.hooks(member.name),
    });
    return labProcess(member.name, 'etcd', server, {
      port: member.clientPort,
      url: server.clientUrl,
      extraPorts: { peerPort: member.peerPort },
      dir,
    });
  });
}

function declareSentinels(c: DeclareContext): LabProcess[] {
  const spec = c.topology.sentinels;
  if (!spec) return [];
  const text = sentinelConfigText(
    spec.settings.masters.map((name) => ({ name, host, port: c.portOf('redis', name) })),
    spec.settings,
  );
  return spec.nodes.map((node) => {
    const dir = path.join(c.patternDir, node.name);
    const configFile = path.join(dir, 'sentinel.conf');
    const server = new RedisServerProcess({
      port: node.port,
      dir,
      host,
      configFile,
      sentinel: true,
      detached: true,
      readyTimeoutMs: c.readyTimeoutMs,
      ...c.hooks(node.name),
    });
    return labProcess(node.name, 'sentinel', server, {
      port: node.port,
      url: server.url,
      dir,
      configFile: { path: configFile, text },
    });
  });
}

function declareServices(
  c: DeclareContext,
  engineName: string | null,
  clusterSecret: string | null,
): LabProcess[] {
  const { topology } = c;
  const addressOf = (list: readonly { name: string; port: number }[], kind: string) => (name: string) => {
    const hit = list.find((p) => p.name === name);
    if (!hit) throw new LabError(`${topology.name}: no ${kind} named '${name}'`);
    return { host, port: hit.port };
  };
  const engineBooks = {
    etcd: addressOf(
      (topology.etcd ?? []).map((m) => ({ name: m.name, port: m.clientPort })),
      'etcd member',
    ),
    sentinel: addressOf(topology.sentinels?.nodes ?? [], 'sentinel'),
  };
  const packageDir = path.join(repoRoot, topology.dir);
  return topology.services.map((service) => {
    // Beside the Redis data dirs, so `--fresh` empties it and `down` keeps it.
    const dataDir = service.hasDataDir ? path.join(c.patternDir, `${service.name}-data`) : undefined;
    const env = {
      ...serviceEnv(
        service,
        (name) => ({ host, port: c.portOf('redis', name) }),
        (name) => ({ host, port: c.portOf('services', name) }),
        engineBooks,
      ),
      ...(engineName === null ? {} : { ENGINE: engineName }),
      ...(clusterSecret !== null && (service.peers ?? []).length > 0
        ? { CLUSTER_SECRET: clusterSecret }
        : {}),
      // The service kit exits when this pid is gone; HOST keeps it on loopback where the kit reads it.
      LAB_PARENT_PID: String(process.pid),
      HOST: host,
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
    };
    const instance = new ServiceProcess({
      name: service.name,
      port: service.port,
      cwd: packageDir,
      entry: path.join(packageDir, topology.entry),
      env,
      readyTimeoutMs: c.readyTimeoutMs,
      ...c.hooks(service.name),
    });
    return labProcess(service.name, 'service', instance, {
      port: service.port,
      url: `http://${host}:${service.port}`,
      extraPorts: { ...service.extraPorts },
      ...(dataDir ? { dir: dataDir } : {}),
    });
  });
}

/**
 * Every process of one pattern's topology, declared but not started: Redis nodes (cluster-enabled where
 * the topology says), etcd members, sentinels with their first config, then the service instances with
 * the environment that tells each where its stores and peers are.
 */
export function declareLabProcesses(
  options: DeclareOptions,
  clusterSecret: string | null,
  hooks: (name: string) => ProcessHooks,
): LabProcess[] {
  const { topology, settings, readyTimeoutMs } = options;
  const context: DeclareContext = {
    topology,
    patternDir: patternStateDir(settings.stateDir, topology.name),
    readyTimeoutMs,
    hooks,
    portOf: (kind, name) => {
      const port = topology[kind].find((p) => p.name === name)?.port;
      if (port === undefined) throw new LabError(`${topology.name}: no ${kind} entry named '${name}'`);
      return port;
    },
  };
  return [
    ...declareRedisNodes(context),
    ...declareEtcdMembers(context),
    ...declareSentinels(context),
    ...declareServices(context, options.run.engine, clusterSecret),
  ];
}

export function clusterFormNodes(topology: PatternTopology): ClusterFormNode[] {
  const spec = topology.redisCluster;
  if (!spec) return [];
  const roleOf = (name: string): Pick<ClusterFormNode, 'role' | 'masterName'> => {
    if (spec.masters.includes(name)) return { role: 'master' };
    if ((spec.spares ?? []).includes(name)) return { role: 'spare' };
    const master = spec.replicas[name];
    if (master !== undefined) return { role: 'replica', masterName: master };
    throw new LabError(`${topology.name}: cluster node ${name} is neither a master, a spare nor a replica`);
  };
  return topology.redis
    .filter((node) => node.clusterEnabled)
    .map((node) => ({ name: node.name, host, port: node.port, ...roleOf(node.name) }));
}

export function processRecord(p: LabProcess): ProcessRecord {
  const { process: child } = p;
  const state = !child.isRunning
    ? p.lastExit === undefined
      ? 'starting'
      : 'exited'
    : child.isPaused
      ? 'paused'
      : p.isReady
        ? 'running'
        : 'starting';
  return {
    name: p.name,
    role: p.role,
    pid: child.pid ?? null,
    port: p.port,
    url: p.url,
    state,
    extraPorts: { ...p.extraPorts },
    ...(p.dir === undefined ? {} : { dir: p.dir }),
    ...(p.lastExit === undefined ? {} : { lastExit: p.lastExit }),
  };
}

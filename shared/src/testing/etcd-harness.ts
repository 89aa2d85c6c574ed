import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { etcdMemberStatus, EtcdServerProcess } from '../process/etcd-server.ts';
import { findFreePort } from '../process/free-port.ts';
import { ProcessStartError } from '../process/managed-process.ts';
import { ProcessBook } from './process-book.ts';

export interface StartEtcdClusterOptions {
  /** Members; 3 by default (1 is allowed, for a quick single-node store). */
  readonly size?: number;
  /** How long to wait for the members to answer and elect a leader. */
  readonly readyTimeoutMs?: number;
}

/** One etcd member started for a test: the same faults as a RedisHandle. */
export interface EtcdMemberHandle {
  readonly name: string;
  /** `http://127.0.0.1:<clientPort>`: what an etcd client dials. */
  readonly clientUrl: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  /** The current pid; undefined while killed or stopped. */
  readonly pid: number | undefined;
  readonly isRunning: boolean;
  readonly isPaused: boolean;
  /** SIGKILL, resolved once it is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: its sockets stay open, it neither answers nor sends heartbeats. */
  pause(): void;
  resume(): void;
  /** Stops it if running, then starts it again on the same ports with the same data dir (every key kept). */
  restart(): Promise<void>;
}

export interface EtcdClusterHandle {
  /** Client URLs of every member, in member order. */
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdMemberHandle[];
  /** The member that answers as leader now; waits (up to `timeoutMs`) while an election runs. */
  leader(timeoutMs?: number): Promise<EtcdMemberHandle>;
  /** Stops every member and removes the data dirs; the handle is done. */
  stop(): Promise<void>;
}

/** etcd did not elect a leader in time: the message lists what each member said. */
export class EtcdNoLeaderError extends Error {
  override readonly name = 'EtcdNoLeaderError';
}

// The same three layers as the Redis harness: stop()/stopAllEtcd(), an 'exit' hook, and a reaper.
const book = new ProcessBook<EtcdServerProcess>('kvs-lab-etcd-');
let clusterCounter = 0;
const maxStartAttempts = 4;

/** Two distinct free ports per member (client, peer). */
async function pickPorts(size: number): Promise<{ client: number; peer: number }[]> {
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    for (;;) {
      const port = await findFreePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await pick(), peer: await pick() });
  return ports;
}

function toHandle(member: EtcdServerProcess): EtcdMemberHandle {
  const { options } = member;
  return {
    name: options.name,
    clientUrl: member.clientUrl,
    clientPort: options.clientPort,
    peerPort: options.peerPort,
    dataDir: options.dataDir,
    get pid() {
      return member.pid;
    },
    get isRunning() {
      return member.isRunning;
    },
    get isPaused() {
      return member.isPaused;
    },
    kill: () => member.kill(),
    pause: () => member.pause(),
    resume: () => member.resume(),
    restart: () => member.restart(),
  };
}

/**
 * The leader as the members themselves report it: a running, unpaused member whose status says it leads.
 * A killed leader cannot answer, so the survivors' stale view of it is never returned.
 */
async function findLeader(
  members: readonly EtcdMemberHandle[],
  timeoutMs: number,
): Promise<EtcdMemberHandle> {
  const deadline = performance.now() + timeoutMs;
  let seen = '';
  for (;;) {
    const candidates = members.filter((m) => m.isRunning && !m.isPaused);
    const statuses = await Promise.all(candidates.map((m) => etcdMemberStatus(m.clientUrl, 300)));
    const leader = candidates.find((_, i) => {
      const status = statuses[i];
      return status !== undefined && status.leaderId !== '0' && status.leaderId === status.memberId;
    });
    if (leader) return leader;
    seen = candidates
      .map((m, i) => `${m.name}: ${statuses[i] ? `leader ${statuses[i].leaderId}` : 'no answer'}`)
      .join(', ');
    if (performance.now() >= deadline) {
      throw new EtcdNoLeaderError(`no etcd leader within ${timeoutMs} ms (${seen || 'no member running'})`);
    }
    await sleep(50);
  }
}

async function launch(size: number, readyTimeoutMs: number, attempt: number): Promise<EtcdClusterHandle> {
  const { rootDir } = book;
  const members = book.members;
  clusterCounter += 1;
  const clusterDir = path.join(rootDir, `cluster-${clusterCounter}`);
  const ports = await pickPorts(size);
  const names = ports.map((_, i) => `etcd-${clusterCounter}-${i + 1}`);
  const initialCluster = ports.map((p, i) => ({
    name: names[i] ?? '',
    peerUrl: `http://127.0.0.1:${p.peer}`,
  }));
  const clusterToken = `kvs-lab-test-${randomBytes(6).toString('hex')}`;
  const processes = ports.map(
    (p, i) =>
      new EtcdServerProcess({
        name: names[i] ?? '',
        clientPort: p.client,
        peerPort: p.peer,
        dataDir: path.join(clusterDir, names[i] ?? ''),
        initialCluster,
        clusterToken,
        readyTimeoutMs,
        onSpawn: book.syncPidFile,
        onExit: book.syncPidFile,
      }),
  );
  for (const p of processes) members.add(p);
  const stopAll = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const p of processes) members.delete(p);
    book.syncPidFile();
    rmSync(clusterDir, { recursive: true, force: true });
  };
  // All at once: a member of a new cluster waits for its peers before it serves.
  const started = await Promise.allSettled(processes.map((p) => p.start()));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stopAll();
    const isRace =
      failure.reason instanceof ProcessStartError &&
      failure.reason.outputTail.some((line) => /address already in use/i.test(line));
    // Another process may take a port between picking and binding: pick again.
    if (isRace && attempt < maxStartAttempts) return launch(size, readyTimeoutMs, attempt + 1);
    throw failure.reason;
  }
  const handles = processes.map(toHandle);
  const cluster: EtcdClusterHandle = {
    endpoints: handles.map((h) => h.clientUrl),
    members: handles,
    leader: (timeoutMs = readyTimeoutMs) => findLeader(handles, timeoutMs),
    stop: stopAll,
  };
  try {
    await cluster.leader();
  } catch (error) {
    await stopAll();
    throw error;
  }
  return cluster;
}

/**
 * Starts an etcd cluster (3 members by default) on free loopback ports, each with its own data dir under a
 * temp root, and waits until the members have elected a leader.
 */
export function startEtcdCluster(options: StartEtcdClusterOptions = {}): Promise<EtcdClusterHandle> {
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`an etcd cluster needs at least 1 member, got ${size}`);
  return launch(size, options.readyTimeoutMs ?? 20_000, 1);
}

/** SIGKILLs every etcd member this process started and removes their dirs: call it in afterAll. */
export async function stopAllEtcd(): Promise<void> {
  if (!book.isStarted) return;
  const members = book.members;
  await Promise.all([...members].map((m) => m.kill()));
  for (const m of members) rmSync(m.options.dataDir, { recursive: true, force: true });
  members.clear();
  book.syncPidFile();
}

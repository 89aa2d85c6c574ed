import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountCheck } from '@kvs-lab/shared/history';
import type { TraceLog } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService, z } from '@kvs-lab/shared/service';
import type { ChaosFault, Logger, PatternApp, Service } from '@kvs-lab/shared/service';
import { AntiEntropyService } from './anti-entropy/anti-entropy-service.ts';
import { checkLab } from './check/lab-check.ts';
import type { PeerAddress } from './config.ts';
import { HintedHandoff } from './coordinator/hinted-handoff.ts';
import { QuorumService } from './coordinator/quorum-service.ts';
import { KvRecorder } from './http/kv-recorder.ts';
import { keyTable } from './http/key-table.ts';
import type { KeyTable } from './http/key-table.ts';
import { mountRoutes } from './http/routes.ts';
import type { TraceMessages } from './realtime/protocol-trace.ts';
import type { LiveEmit, QuorumLiveEvents } from './realtime/events.ts';
import type { FanOut } from './realtime/fan-out.ts';
import { emptyHintBoard, forgetHolder, nextHintBoard } from './realtime/hint-board.ts';
import type { HintBoard } from './realtime/hint-board.ts';
import { RecentRequests } from './realtime/recent-requests.ts';
import type { QuorumSettings } from './settings.ts';
import { ReplicaStore } from './store/replica-store.ts';
import { quorumErrors } from './errors.ts';

export interface QuorumAppDeps {
  /** The N replicas, in ring order. */
  readonly nodes: readonly RedisNode[];
  /** This coordinator's name: the actor in the vector clocks it writes. */
  readonly instance: string;
  readonly settings: QuorumSettings;
  readonly maxClockEntries?: number;
  readonly merkleDepth?: number;
  /** 0 (the default here) leaves the loop off; main.ts passes the configured interval. */
  readonly hintReplayIntervalMs?: number;
  readonly antiEntropyIntervalMs?: number;
  /** How often the live view's replica states and hint board are looked at again (default 1000; 0: never). */
  readonly liveViewIntervalMs?: number;
  readonly tombstoneGraceMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Guards the admin routes (PUT /config, DELETE /history, /chaos); defaults to LAB_ADMIN_TOKEN. */
  readonly adminToken?: string;
  /** The other coordinators, whose histories GET /check reads too (a function: tests learn ports late). */
  readonly peers?: () => readonly PeerAddress[];
}

interface LiveSnapshot {
  readonly instance: string;
  readonly n: number;
  readonly settings: QuorumSettings;
  readonly replicas: readonly { node: string; isUp: boolean }[];
  /** The key table's first page, as GET /keys answers it. */
  readonly keyTable: KeyTable;
  readonly hints: Awaited<ReturnType<HintedHandoff['pending']>>;
  /** Hints waiting and the last deliveries, whichever coordinator made them. */
  readonly hintBoard: HintBoard;
  /** The last requests' fan-outs, oldest first. */
  readonly requests: readonly FanOut[];
  /** The last anti-entropy round this coordinator ran, so a page opened later shows it too. */
  readonly antiEntropy: AntiEntropyService['last'];
}

/** The key table shows this many keys per page. */
export const keyTablePageSize = 40;

/** The parts of a running coordinator that main.ts, the tests and the bench reach for. */
export type QuorumApp = PatternApp<{
  quorum: QuorumService;
  handoff: HintedHandoff;
  antiEntropy: AntiEntropyService;
}>;

/** Builds the coordinator app (routes, live view, /check, faults, background loops); does not listen. */
// eslint-disable-next-line @typescript-eslint/require-await -- async like every pattern's createApp
export async function createApp(deps: QuorumAppDeps): Promise<QuorumApp> {
  // Commands to one replica issued in the same turn of the event loop leave in one socket write (ioredis
  // auto-pipelining): under load, a write per command was the coordinator's largest cost (node --cpu-prof).
  for (const node of deps.nodes) node.client.options.enableAutoPipelining = true;
  const replicas = deps.nodes.map((node) => new ReplicaStore(node));
  const now = deps.now ?? Date.now;
  const merkleDepth = deps.merkleDepth ?? 8;

  const flushFault: ChaosFault = {
    name: 'flush-replica',
    description:
      'Erase everything one replica holds (FLUSHDB): its data and the hints it keeps, as a lost disk.',
    params: z.strictObject({ node: z.enum(deps.nodes.map((node) => node.name) as [string, ...string[]]) }),
    inject: async (params: unknown) => {
      const { node } = params as { node: string };
      const replica = replicas.find((candidate) => candidate.name === node);
      if (!replica) throw new Error(`no replica named ${node}`);
      await replica.flush();
      lastFlushed = node;
      hintBoard = forgetHolder(hintBoard, node);
    },
    heal: () => undefined,
    state: () => ({ lastFlushed }),
    // A replica that is down or slow cannot be flushed: the kit's Redis errors say which.
    errors: ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
  };
  let lastFlushed: string | undefined;

  const service = createService({
    name: 'quorum-consistency',
    errors: quorumErrors,
    instance: deps.instance,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description:
      'Dynamo-style replication over N Redis replicas: W+R>N quorums, vector-clock siblings, hinted handoff, read repair and Merkle anti-entropy. Live view at `/`.',
    // A replica down is the point of the lab: the coordinator stays ready while a quorum may still answer.
    readiness: redisReadinessChecks(deps.nodes, { critical: false }),
    links: deps.nodes,
    faults: [flushFault],
  });
  const live = mountLiveView<QuorumLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    page: { title: 'quorum-consistency', stylesheet: './quorum-view.css', script: './quorum-view.js' },
    snapshot: () => snapshot(),
  });
  // Each named payload is one of the map's values; the kit types emit by the wider map.
  const emit: LiveEmit = (event, payload) => {
    // Nobody watching: skip the encoding socket.io would do anyway, a measurable share of a hot path.
    if (live.namespace.sockets.size === 0) return;
    live.emit(event, payload as QuorumLiveEvents[typeof event]);
  };

  // The trace log comes with /check (mounted last); until then there is nothing to record.
  const traceRef: { log?: TraceLog } = {};
  const trace: TraceMessages = (messages) => void traceRef.log?.recordMessages(messages);
  const requests = new RecentRequests(emit);
  let hintBoard = emptyHintBoard;

  let settings = deps.settings;
  const handoff = new HintedHandoff(replicas, {
    settings: () => settings,
    emit,
    trace,
    coordinator: deps.instance,
  });
  const quorum = new QuorumService(replicas, {
    actor: deps.instance,
    settings: deps.settings,
    maxClockEntries: deps.maxClockEntries ?? 10,
    now,
    random: deps.random ?? Math.random,
    handoff,
    emit,
    trace,
    requests,
    onConfigured: (next) => {
      settings = next;
    },
  });
  const antiEntropy = new AntiEntropyService(replicas, {
    settings: () => settings,
    tombstoneGraceMs: deps.tombstoneGraceMs ?? 60_000,
    now,
    hasPendingHints: async () => (await handoff.pending()).length > 0,
    emit,
    trace,
    coordinator: deps.instance,
  });
  // Ready while both quorums can still be met: one replica down is the lab's everyday fault, not an outage.
  service.addReadinessCheck({
    name: 'quorum',
    check: async () => {
      const answers = await Promise.allSettled(deps.nodes.map((node) => node.ping()));
      const up = answers.filter((answer) => answer.status === 'fulfilled').length;
      const needed = Math.max(quorum.settings.w, quorum.settings.r);
      if (up < needed)
        throw new Error(
          `${up} of ${quorum.n} replicas answer; W=${quorum.settings.w}, R=${quorum.settings.r}`,
        );
    },
  });
  const record = new KvRecorder(quorum);
  mountRoutes(service, { quorum, handoff, antiEntropy, merkleDepth, record });
  traceRef.log = mountCheck(service, {
    history: record.history,
    // Two promises over the history (reads see acknowledged writes; nothing acknowledged is lost),
    // then whether the replicas hold the same data right now (equal Merkle roots).
    check: (local) =>
      checkLab(local, {
        instance: service.instance,
        peers: deps.peers?.() ?? [],
        quorum,
        rootOf: async (replica) => (await antiEntropy.tree(replica, 0)).root,
      }),
  }).trace;

  async function snapshot(): Promise<LiveSnapshot> {
    return {
      instance: service.instance,
      n: quorum.n,
      settings: quorum.settings,
      replicas: replicas.map((replica) => ({ node: replica.name, isUp: replica.node.isReady })),
      keyTable: await keyTable(quorum, { offset: 0, limit: keyTablePageSize }),
      hints: await handoff.pending(),
      hintBoard,
      requests: requests.list(),
      antiEntropy: antiEntropy.last,
    };
  }

  // The live view's second look: which replicas answer, and which hints wait or went (delivered by
  // either coordinator: hints live on the replicas). Sent only when something changed.
  let upNodes = replicas.map((replica) => replica.node.isReady);
  const lookAgain = async () => {
    const isUp = replicas.map((replica) => replica.node.isReady);
    if (isUp.some((up, i) => up !== upNodes[i])) {
      upNodes = isUp;
      emit(
        'replicas:status',
        replicas.map((replica, i) => ({ node: replica.name, isUp: isUp[i] ?? false })),
      );
    }
    const next = nextHintBoard(hintBoard, { ...(await handoff.look()), atMs: now() });
    if (JSON.stringify(next) === JSON.stringify(hintBoard)) return;
    hintBoard = next;
    emit('hints:board', hintBoard);
  };
  repeat(service, deps.liveViewIntervalMs ?? 1_000, lookAgain);
  repeat(service, deps.hintReplayIntervalMs ?? 0, () => handoff.replay());
  repeat(service, deps.antiEntropyIntervalMs ?? 0, () => antiEntropy.run());
  service.onClose(() => Promise.all(deps.nodes.map((node) => node.close())));
  return { service, quorum, handoff, antiEntropy };
}

/** Runs `task` every `intervalMs` (never overlapping) until the service closes; 0 means never. */
function repeat(service: Service, intervalMs: number, task: () => Promise<unknown>): void {
  if (intervalMs <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;
  const tick = () => {
    task()
      .catch((error: unknown) => service.logger.warn({ err: error }, 'background task failed'))
      .finally(() => {
        if (!isClosed) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  service.onClose(() => {
    isClosed = true;
    clearTimeout(timer);
  });
}

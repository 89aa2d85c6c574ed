import { isAppError } from '@kvs-lab/shared/service';
import { toJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { checkQuorumSizes, tallyWrite } from './domain/quorum.ts';
import type { ReplicaWriteResult, WriteTally } from './domain/quorum.ts';
import { planReadRepair } from './domain/read-repair.ts';
import type { ReplicaVersions } from './domain/read-repair.ts';
import { contextOf, highestCounterOf, nextClock, resolve } from './domain/versioned-value.ts';
import type { StoredVersion } from './domain/versioned-value.ts';
import type { HintedHandoff } from './hinted-handoff.ts';
import type { TraceMessages } from './protocol-trace.ts';
import { settled, startFanOut, withAnswer, withSent } from './realtime/fan-out.ts';
import type { RecentRequests } from './realtime/recent-requests.ts';
import type { LiveEmit } from './realtime/events.ts';
import type { QuorumSettings } from './settings.ts';
import type { ReplicaStore } from './store/replica-store.ts';
import { AppError } from './errors.ts';

/** A replica's answer to the write itself: never `pending`, since it has answered. */
type SendResult = Exclude<ReplicaWriteResult, { status: 'pending' }>;

export interface WriteOutcome {
  readonly key: string;
  readonly clock: VectorClock;
  readonly tally: WriteTally;
  readonly replicas: readonly ReplicaWriteResult[];
  readonly hinted: readonly { target: string; heldBy: string }[];
}

export interface ReadOutcome {
  readonly key: string;
  /** Every surviving version, tombstones included. */
  readonly survivors: readonly StoredVersion[];
  readonly context: VectorClock;
  readonly answeredBy: readonly string[];
  readonly failed: readonly string[];
  readonly repaired: readonly string[];
}

export interface QuorumServiceDeps {
  /** This coordinator's name: the node id in the clocks of the writes it coordinates. */
  readonly actor: string;
  readonly settings: QuorumSettings;
  readonly maxClockEntries: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly handoff: HintedHandoff;
  readonly emit: LiveEmit;
  /** The protocol's messages, for GET /trace. */
  readonly trace: TraceMessages;
  /** The last requests' fan-outs, for the live view. */
  readonly requests: RecentRequests;
  readonly onConfigured?: (settings: QuorumSettings) => void;
}

/** Keys whose highest own counter is remembered; past that the oldest is forgotten and read again from replicas. */
const highWaterCapacity = 50_000;

/**
 * The coordinator. Any instance serves any key: a write goes to all N
 * replicas and succeeds with W acknowledgements; a read asks R replicas and
 * resolves their versions; what a replica missed is repaired on the way.
 */
export class QuorumService {
  private current: QuorumSettings;
  private readonly highWater = new Map<string, number>();
  readonly counters = {
    writes: 0,
    writesFailed: 0,
    reads: 0,
    readsFailed: 0,
    readsWithSiblings: 0,
    readRepairs: 0,
  };

  readonly replicas: readonly ReplicaStore[];
  private readonly deps: QuorumServiceDeps;

  constructor(replicas: readonly ReplicaStore[], deps: QuorumServiceDeps) {
    this.replicas = replicas;
    this.deps = deps;
    this.current = deps.settings;
  }

  get n(): number {
    return this.replicas.length;
  }

  get settings(): QuorumSettings {
    return this.current;
  }

  /** Changes the settings; W and R are checked against N. */
  configure(change: Partial<QuorumSettings>): QuorumSettings {
    const next = { ...this.current, ...change };
    this.assertQuorum(next.w, next.r);
    this.current = next;
    this.deps.onConfigured?.(next);
    this.deps.emit('config:changed', next);
    return next;
  }

  /**
   * A write (or, with `value` null, a delete): a clock above the context,
   * sent to all N replicas; hints for those that miss it; success at W. It
   * answers once every replica has answered, or with `answerAtQuorum` at the
   * W-th acknowledgement, leaving the rest (and their hints) to finish behind it.
   */
  async write(input: {
    key: string;
    value: string | null;
    context: VectorClock;
    w?: number;
    requestId: string;
  }): Promise<WriteOutcome> {
    const { key, requestId } = input;
    const settings = this.current;
    const w = input.w ?? settings.w;
    this.assertQuorum(w, settings.r);
    const clock = await this.clockForWrite(key, input.context);
    const version: StoredVersion = {
      value: input.value,
      isTombstone: input.value === null,
      clock,
      writtenAt: this.deps.now(),
      writer: this.deps.actor,
    };

    const { actor, trace, requests } = this.deps;
    const names = this.replicas.map((replica) => replica.name);
    const kind = version.isTombstone ? 'delete' : 'write';
    requests.start(
      startFanOut({
        requestId,
        kind,
        key,
        coordinator: actor,
        needed: w,
        replicas: names,
        asked: names,
        atMs: version.writtenAt,
      }),
    );
    trace(
      names.map((to) => ({
        from: actor,
        to,
        kind: kind === 'write' ? 'put' : 'delete',
        detail: { key, requestId, clock: toJSON(clock) },
      })),
    );
    const acked = new Set<string>();
    const answered = (node: string, status: SendResult['status']) => {
      requests.update(requestId, (fanOut) => withAnswer(fanOut, node, status));
      trace([{ from: node, to: actor, kind: status, detail: { key, requestId, acks: acked.size } }]);
    };
    const sends = this.replicas.map(async (replica): Promise<SendResult> => {
      try {
        await replica.putVersions(key, [version], settings.conflictPolicy);
        acked.add(replica.name);
        answered(replica.name, 'ack');
        this.deps.emit('replica:acked', { requestId, key, node: replica.name, ok: true });
        return { node: replica.name, status: 'ack' };
      } catch (error) {
        const status = neverSent(error) ? 'unreachable' : 'timeout';
        answered(replica.name, status);
        this.deps.emit('replica:acked', { requestId, key, node: replica.name, ok: false });
        return { node: replica.name, status };
      }
    });
    // Hints go to a replica that took the write, so they wait until every replica has answered.
    const everyAnswer = Promise.all(sends).then((answers) =>
      settings.hintedHandoff
        ? Promise.all(
            answers.map(async (answer): Promise<ReplicaWriteResult> => {
              if (answer.status === 'ack') return answer;
              const heldBy = await this.deps.handoff.hold(answer.node, key, version, acked);
              return heldBy ? { ...answer, hintedOn: heldBy } : answer;
            }),
          )
        : answers,
    );
    const results = settings.answerAtQuorum
      ? await Promise.race([everyAnswer, firstAcks(sends, this.replicas, w)])
      : await everyAnswer;
    const hinted = results.flatMap((result) =>
      'hintedOn' in result && result.hintedOn ? [{ target: result.node, heldBy: result.hintedOn }] : [],
    );

    const tally = tallyWrite(results, w, settings.sloppyQuorum);
    // Answering at W, hints come after the answer: the hint board shows them then.
    requests.update(requestId, (fanOut) => settled(fanOut, { isOk: tally.ok, hinted }));
    this.deps.emit('kv:written', {
      requestId,
      key,
      clock: toJSON(clock),
      isTombstone: version.isTombstone,
      ok: tally.ok,
      acks: tally.acks,
      needed: w,
    });
    if (!tally.ok) {
      this.counters.writesFailed += 1;
      throw new AppError(
        'QUORUM_NOT_REACHED',
        `${tally.acks} of ${this.n} replicas acknowledged; write quorum is ${w}.` +
          (tally.outcome === 'indeterminate'
            ? ' Replicas that took it keep it: the write may still surface.'
            : ''),
        {
          outcome: tally.outcome,
          extras: {
            acks: tally.acks,
            needed: w,
            replicas: results.map((result) => ({ ...result, ok: result.status === 'ack' })),
            hinted,
          },
        },
      );
    }
    this.counters.writes += 1;
    return { key, clock, tally, replicas: results, hinted };
  }

  /**
   * A read: asks R replicas in a random order (another if one fails),
   * resolves their versions, and repairs the ones that answered stale.
   */
  async read(input: { key: string; r?: number; requestId: string }): Promise<ReadOutcome> {
    const { key, requestId } = input;
    const settings = this.current;
    const r = input.r ?? settings.r;
    this.assertQuorum(settings.w, r);
    const order = shuffled(this.replicas, this.deps.random);
    const { actor, trace, requests } = this.deps;
    requests.start(
      startFanOut({
        requestId,
        kind: 'read',
        key,
        coordinator: actor,
        needed: r,
        replicas: this.replicas.map((replica) => replica.name),
        asked: order.slice(0, r).map((replica) => replica.name),
        atMs: this.deps.now(),
      }),
    );
    trace(
      order
        .slice(0, r)
        .map((replica) => ({ from: actor, to: replica.name, kind: 'get', detail: { key, requestId } })),
    );
    const answers: ReplicaVersions[] = [];
    const failed: string[] = [];
    let next = 0;
    // R workers; each takes the next replica in the order until one answers.
    const ask = async (): Promise<void> => {
      while (next < order.length) {
        const replica = order[next++] as ReplicaStore;
        if (next > r) {
          requests.update(requestId, (fanOut) => withSent(fanOut, replica.name));
          trace([{ from: actor, to: replica.name, kind: 'get', detail: { key, requestId, retry: true } }]);
        }
        try {
          const versions = await replica.readVersions(key);
          answers.push({ node: replica.name, versions });
          requests.update(requestId, (fanOut) => withAnswer(fanOut, replica.name, 'ack'));
          trace([
            {
              from: replica.name,
              to: actor,
              kind: 'versions',
              detail: { key, requestId, versions: versions.length },
            },
          ]);
          return;
        } catch (error) {
          failed.push(replica.name);
          const status = neverSent(error) ? 'unreachable' : 'timeout';
          requests.update(requestId, (fanOut) => withAnswer(fanOut, replica.name, status));
          trace([{ from: replica.name, to: actor, kind: status, detail: { key, requestId } }]);
        }
      }
    };
    await Promise.all(Array.from({ length: r }, ask));
    if (answers.length < r) {
      requests.update(requestId, (fanOut) => settled(fanOut, { isOk: false }));
      this.counters.readsFailed += 1;
      throw new AppError(
        'QUORUM_NOT_REACHED',
        `${answers.length} of ${this.n} replicas answered; read quorum is ${r}.`,
        {
          outcome: 'not_applied',
          extras: { acks: answers.length, needed: r, failed },
        },
      );
    }

    const survivors = resolve(
      answers.flatMap((answer) => answer.versions),
      settings.conflictPolicy,
    );
    const repaired: string[] = [];
    if (settings.readRepair) {
      for (const task of planReadRepair(answers, survivors)) {
        const replica = this.replicas.find((candidate) => candidate.name === task.node);
        trace([
          {
            from: actor,
            to: task.node,
            kind: 'read-repair',
            detail: { key, requestId, versions: task.missing.length },
          },
        ]);
        try {
          await replica?.putVersions(key, task.missing, settings.conflictPolicy);
        } catch {
          continue;
        }
        repaired.push(task.node);
        this.counters.readRepairs += 1;
        this.deps.emit('replica:repaired', { key, node: task.node, via: 'read-repair' });
      }
    }
    this.counters.reads += 1;
    if (survivors.filter((version) => !version.isTombstone).length > 1) this.counters.readsWithSiblings += 1;
    const answeredBy = answers.map((answer) => answer.node);
    requests.update(requestId, (fanOut) => settled(fanOut, { isOk: true, repaired }));
    this.deps.emit('kv:read', { requestId, key, siblings: survivors.length, answeredBy, repaired });
    return { key, survivors, context: contextOf(survivors), answeredBy, failed, repaired };
  }

  /** Each replica's raw versions of a key, as stored: for learners, no quorum, no repair. */
  async rawReplicas(key: string) {
    return Promise.all(
      this.replicas.map(async (replica) => {
        try {
          return { node: replica.name, isUp: true, versions: await replica.readVersions(key) };
        } catch {
          return { node: replica.name, isUp: false, versions: [] as StoredVersion[] };
        }
      }),
    );
  }

  /**
   * The clock for a new write by this coordinator: above the context, and
   * above any counter this coordinator already issued for the key. The first
   * time a key is seen (e.g. after a restart) that counter is read from every
   * replica that answers.
   */
  private async clockForWrite(key: string, context: VectorClock): Promise<VectorClock> {
    const actor = this.deps.actor;
    let known = this.highWater.get(key);
    if (known === undefined) {
      const held = await Promise.all(
        this.replicas.map((replica) => replica.readVersions(key).catch(() => [])),
      );
      known = highestCounterOf(actor, held.flat());
    }
    // No await from here on: taking the counter and recording it happen in one step.
    const highWater = Math.max(known, this.highWater.get(key) ?? 0);
    const clock = nextClock({ context, actor, highWater, maxEntries: this.deps.maxClockEntries });
    this.highWater.delete(key);
    this.highWater.set(key, clock[actor]?.counter ?? highWater + 1);
    if (this.highWater.size > highWaterCapacity) {
      const oldest = this.highWater.keys().next().value;
      if (oldest !== undefined) this.highWater.delete(oldest);
    }
    return clock;
  }

  private assertQuorum(w: number, r: number): void {
    const check = checkQuorumSizes({ n: this.n, w, r });
    if (!check.ok) throw new AppError('INVALID_QUORUM', check.reason, { extras: { n: this.n, w, r } });
  }
}

/**
 * Resolves once `w` of the sends are acknowledged, with the answers so far and
 * `pending` for the rest (Dynamo's answer at W); never resolves if they are not.
 */
function firstAcks(
  sends: readonly Promise<ReplicaWriteResult>[],
  replicas: readonly ReplicaStore[],
  w: number,
): Promise<ReplicaWriteResult[]> {
  return new Promise((resolve) => {
    const answered = new Map<string, ReplicaWriteResult>();
    for (const send of sends) {
      void send.then((answer) => {
        answered.set(answer.node, answer);
        if ([...answered.values()].filter((a) => a.status === 'ack').length !== w) return;
        resolve(
          replicas.map((replica) => answered.get(replica.name) ?? { node: replica.name, status: 'pending' }),
        );
      });
    }
  });
}

/** True when the command was certainly never executed (link cut, node down), false when it may have been. */
function neverSent(error: unknown): boolean {
  return isAppError(error) && error.outcome === 'not_applied';
}

/** Fisher-Yates with injected randomness, so tests can replay a read's choice of replicas. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

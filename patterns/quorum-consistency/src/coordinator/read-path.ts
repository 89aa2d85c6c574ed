import { planReadRepair } from '../domain/read-repair.ts';
import type { ReplicaVersions } from '../domain/read-repair.ts';
import { contextOf, resolve } from '../domain/versioned-value.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import { AppError } from '../errors.ts';
import { settled, startFanOut, withAnswer, withSent } from '../realtime/fan-out.ts';
import type { QuorumSettings } from '../settings.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import type { CoordinatorState, ReadOutcome } from './coordinator-state.ts';
import { neverSent } from './replica-failure.ts';

/**
 * A read: asks R replicas in a random order (another if one fails),
 * resolves their versions, and repairs the ones that answered stale.
 */
export async function coordinateRead(
  state: CoordinatorState,
  settings: QuorumSettings,
  input: { key: string; r: number; requestId: string },
): Promise<ReadOutcome> {
  const { key, requestId, r } = input;
  const { replicas, deps } = state;
  const order = shuffled(replicas, deps.random);
  const { actor, trace, requests } = deps;
  requests.start(
    startFanOut({
      requestId,
      kind: 'read',
      key,
      coordinator: actor,
      needed: r,
      replicas: replicas.map((replica) => replica.name),
      asked: order.slice(0, r).map((replica) => replica.name),
      atMs: deps.now(),
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
    state.counters.readsFailed += 1;
    throw new AppError(
      'QUORUM_NOT_REACHED',
      `${answers.length} of ${replicas.length} replicas answered; read quorum is ${r}.`,
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
  const repaired = settings.readRepair
    ? await readRepair(state, settings, { key, requestId, answers, survivors })
    : [];
  state.counters.reads += 1;
  if (survivors.filter((version) => !version.isTombstone).length > 1) state.counters.readsWithSiblings += 1;
  const answeredBy = answers.map((answer) => answer.node);
  requests.update(requestId, (fanOut) => settled(fanOut, { isOk: true, repaired }));
  deps.emit('kv:read', { requestId, key, siblings: survivors.length, answeredBy, repaired });
  return { key, survivors, context: contextOf(survivors), answeredBy, failed, repaired };
}

/** Sends each replica that answered without a surviving version what it lacks; the replicas repaired. */
async function readRepair(
  state: CoordinatorState,
  settings: QuorumSettings,
  read: {
    key: string;
    requestId: string;
    answers: readonly ReplicaVersions[];
    survivors: readonly StoredVersion[];
  },
): Promise<string[]> {
  const { key, requestId } = read;
  const { actor, trace, emit } = state.deps;
  const repaired: string[] = [];
  for (const task of planReadRepair(read.answers, read.survivors)) {
    const replica = state.replicas.find((candidate) => candidate.name === task.node);
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
    state.counters.readRepairs += 1;
    emit('replica:repaired', { key, node: task.node, via: 'read-repair' });
  }
  return repaired;
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

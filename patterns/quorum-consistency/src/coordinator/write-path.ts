import { toJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { tallyWrite } from '../domain/quorum.ts';
import type { ReplicaWriteResult } from '../domain/quorum.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import { AppError } from '../errors.ts';
import { settled, startFanOut, withAnswer } from '../realtime/fan-out.ts';
import type { QuorumSettings } from '../settings.ts';
import { encodePut } from '../store/replica-store.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import type { CoordinatorState, WriteOutcome } from './coordinator-state.ts';
import { neverSent } from './replica-failure.ts';

/** A replica's answer to the write itself: never `pending`, since it has answered. */
type SendResult = Exclude<ReplicaWriteResult, { status: 'pending' }>;

/**
 * A write (or, with `value` null, a delete): a clock above the context, sent
 * to all N replicas; hints for those that miss it; success at W. It answers
 * once every replica has answered, or with `answerAtQuorum` at the W-th
 * acknowledgement, leaving the rest (and their hints) to finish behind it.
 */
export async function coordinateWrite(
  state: CoordinatorState,
  settings: QuorumSettings,
  input: { key: string; value: string | null; context: VectorClock; w: number; requestId: string },
): Promise<WriteOutcome> {
  const { key, requestId, w } = input;
  const { replicas, deps } = state;
  const clock = await state.highWater.clockForWrite(key, input.context);
  const version: StoredVersion = {
    value: input.value,
    isTombstone: input.value === null,
    clock,
    writtenAt: deps.now(),
    writer: deps.actor,
  };

  const { actor, trace, requests } = deps;
  const names = replicas.map((replica) => replica.name);
  // The clock as JSON, once: the trace's N messages and the live view's event share it.
  const clockJson = toJSON(clock);
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
      detail: { key, requestId, clock: clockJson },
    })),
  );
  // Encoded once: every replica receives the same script call.
  const put = encodePut(key, [version], settings.conflictPolicy);
  const acked = new Set<string>();
  const answered = (node: string, status: SendResult['status']) => {
    requests.update(requestId, (fanOut) => withAnswer(fanOut, node, status));
    trace([{ from: node, to: actor, kind: status, detail: { key, requestId, acks: acked.size } }]);
  };
  const sends = replicas.map(async (replica): Promise<SendResult> => {
    try {
      await replica.putEncoded(put);
      acked.add(replica.name);
      answered(replica.name, 'ack');
      deps.emit('replica:acked', { requestId, key, node: replica.name, ok: true });
      return { node: replica.name, status: 'ack' };
    } catch (error) {
      const status = neverSent(error) ? 'unreachable' : 'timeout';
      answered(replica.name, status);
      deps.emit('replica:acked', { requestId, key, node: replica.name, ok: false });
      return { node: replica.name, status };
    }
  });
  // Hints go to a replica that took the write, so they wait until every replica has answered.
  const everyAnswer = Promise.all(sends).then((answers) =>
    settings.hintedHandoff
      ? Promise.all(
          answers.map(async (answer): Promise<ReplicaWriteResult> => {
            if (answer.status === 'ack') return answer;
            const heldBy = await deps.handoff.hold(answer.node, key, version, acked);
            return heldBy ? { ...answer, hintedOn: heldBy } : answer;
          }),
        )
      : answers,
  );
  const results = settings.answerAtQuorum
    ? await Promise.race([everyAnswer, firstAcks(sends, replicas, w)])
    : await everyAnswer;
  const hinted = results.flatMap((result) =>
    'hintedOn' in result && result.hintedOn ? [{ target: result.node, heldBy: result.hintedOn }] : [],
  );

  const tally = tallyWrite(results, w, settings.sloppyQuorum);
  // Answering at W, hints come after the answer: the hint board shows them then.
  requests.update(requestId, (fanOut) => settled(fanOut, { isOk: tally.ok, hinted }));
  deps.emit('kv:written', {
    requestId,
    key,
    clock: clockJson,
    isTombstone: version.isTombstone,
    ok: tally.ok,
    acks: tally.acks,
    needed: w,
  });
  if (!tally.ok) {
    state.counters.writesFailed += 1;
    throw new AppError(
      'QUORUM_NOT_REACHED',
      `${tally.acks} of ${replicas.length} replicas acknowledged; write quorum is ${w}.` +
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
  state.counters.writes += 1;
  return { key, clock, tally, replicas: results, hinted };
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

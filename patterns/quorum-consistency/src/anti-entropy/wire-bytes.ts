import type { WireCounters } from '../store/replica-store.ts';
import type { WireBytes } from './anti-entropy-report.ts';
import type { RoundReplicas } from './round-replicas.ts';

/** Two readings of a replica's byte counters taken back to back: the second less the first is a reading's own cost. */
export interface WireReading {
  readonly first: WireCounters;
  readonly second: WireCounters;
}

/** Each live replica's byte counters, read twice in a row so the cost of reading them can be taken out. */
export async function readWireCounters(round: RoundReplicas): Promise<Map<string, WireReading>> {
  const readings = new Map<string, WireReading>();
  await Promise.all(
    round.live().map(async (replica) => {
      const first = await round.ask(replica, () => replica.wireCounters());
      const second = first && (await round.ask(replica, () => replica.wireCounters()));
      if (first && second) readings.set(replica.name, { first, second });
    }),
  );
  return readings;
}

/**
 * What the round cost each replica: the counters' growth from before to after,
 * less what reading the counters cost (the growth between the two readings
 * taken back to back, counted once for each end).
 */
export function wireBytes(
  before: ReadonlyMap<string, WireReading>,
  after: ReadonlyMap<string, WireReading>,
  isCompared: (name: string) => boolean,
): WireBytes {
  const replicas = [...before].flatMap(([node, start]) => {
    const end = after.get(node);
    if (!end || !isCompared(node)) return [];
    const overheadIn = start.second.inputBytes - start.first.inputBytes;
    const overheadOut = start.second.outputBytes - start.first.outputBytes;
    return [
      {
        node,
        inputBytes: Math.max(0, end.first.inputBytes - start.second.inputBytes - overheadIn),
        outputBytes: Math.max(0, end.first.outputBytes - start.second.outputBytes - overheadOut),
      },
    ];
  });
  return {
    bytes: replicas.reduce((sum, replica) => sum + replica.inputBytes + replica.outputBytes, 0),
    replicas,
  };
}

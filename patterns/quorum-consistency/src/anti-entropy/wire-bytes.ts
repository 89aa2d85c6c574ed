import type { WireCounters } from '../store/replica-store.ts';
import type { WireBytes } from './anti-entropy-report.ts';
import type { RoundReplicas } from './round-replicas.ts';

/**
 * A replica's byte counters at one end of a round, and what reading them cost: the growth between two
 * readings taken back to back, measured on the replica's first round and kept (an INFO request and its
 * reply are about the same size every time), so later rounds read the counters once at each end.
 */
export interface WireReading {
  readonly counters: WireCounters;
  readonly overhead: WireCounters;
}

/** Reads each live replica's byte counters, calibrating a replica's reading cost the first time it is seen. */
export class WireMeter {
  private readonly overheads = new Map<string, WireCounters>();

  async read(round: RoundReplicas): Promise<Map<string, WireReading>> {
    const readings = new Map<string, WireReading>();
    await Promise.all(
      round.live().map(async (replica) => {
        const first = await round.ask(replica, () => replica.wireCounters());
        if (!first) return;
        let overhead = this.overheads.get(replica.name);
        let counters = first;
        if (!overhead) {
          const second = await round.ask(replica, () => replica.wireCounters());
          if (!second) return;
          overhead = {
            inputBytes: second.inputBytes - first.inputBytes,
            outputBytes: second.outputBytes - first.outputBytes,
          };
          this.overheads.set(replica.name, overhead);
          counters = second;
        }
        readings.set(replica.name, { counters, overhead });
      }),
    );
    return readings;
  }
}

/**
 * What the round cost each replica: the counters' growth from before to after,
 * less what reading the counters cost (counted once for each end).
 */
export function wireBytes(
  before: ReadonlyMap<string, WireReading>,
  after: ReadonlyMap<string, WireReading>,
  isCompared: (name: string) => boolean,
): WireBytes {
  const replicas = [...before].flatMap(([node, start]) => {
    const end = after.get(node);
    if (!end || !isCompared(node)) return [];
    return [
      {
        node,
        inputBytes: Math.max(
          0,
          end.counters.inputBytes - start.counters.inputBytes - start.overhead.inputBytes,
        ),
        outputBytes: Math.max(
          0,
          end.counters.outputBytes - start.counters.outputBytes - start.overhead.outputBytes,
        ),
      },
    ];
  });
  return {
    bytes: replicas.reduce((sum, replica) => sum + replica.inputBytes + replica.outputBytes, 0),
    replicas,
  };
}

import { defineTopology } from '@kvs-lab/shared/topology';
import type { PatternTopology } from '@kvs-lab/shared/topology';

/** The largest lab: replica ports 7411..7419 stay inside the pattern's block, below nothing else. */
const maxReplicas = 9;

/**
 * The lab with `size` replicas (replica-1 on 7411 .. replica-N on 741N) and two
 * coordinators that each talk to every replica: N comes from the replica list,
 * so the same code runs 3 or 5 replicas. Replicas keep an append-only file so a
 * restarted replica comes back with its data, as a Dynamo node would.
 */
export function topologyOfSize(size: number): PatternTopology {
  if (!Number.isSafeInteger(size) || size < 1 || size > maxReplicas) {
    throw new RangeError(`quorum-consistency runs 1 to ${maxReplicas} replicas, got ${String(size)}`);
  }
  const replicas = Array.from({ length: size }, (_, i) => ({
    name: `replica-${i + 1}`,
    port: 7411 + i,
    appendOnly: true,
  }));
  const names = replicas.map((r) => r.name);
  return defineTopology({
    name: 'quorum-consistency',
    title: 'Quorum consistency',
    summary: 'W+R>N over N replicas, vector-clock siblings, hinted handoff, read repair, Merkle anti-entropy',
    cap: 'AP',
    implemented: true,
    issue: 4,
    dir: 'patterns/quorum-consistency',
    entry: 'src/main.ts',
    portBlock: 7400,
    redis: replicas,
    services: [
      // Each coordinator reads the other's history for GET /check.
      { name: 'quorum-a', port: 7401, redis: names, peers: ['quorum-b'] },
      { name: 'quorum-b', port: 7402, redis: names, peers: ['quorum-a'] },
    ],
    // `pnpm lab up quorum-consistency --size 5`, and docker-compose.size-5.yml beside this file.
    sizes: { default: 3, others: [5], resize: topologyOfSize },
  });
}

export const topology = topologyOfSize(3);

import { z } from '@kvs-lab/shared/service';
import { fromJSON } from '@kvs-lab/shared/vector-clock';
import type { KvOperation } from './history-check.ts';
import type { PeerAddress } from '../config.ts';

/** What the other coordinators recorded, and which of them did not answer. */
export interface PeerOperations {
  readonly operations: KvOperation[];
  readonly unreachable: string[];
}

/** A peer's GET /history answer, as far as the checker reads it: an answer of another shape is a peer not heard. */
const peerHistory = z.object({
  operations: z.array(
    z.object({
      id: z.number(),
      process: z.string(),
      kind: z.string(),
      input: z.object({
        key: z.string(),
        isDelete: z.boolean().optional(),
        n: z.number(),
        w: z.number(),
        r: z.number(),
        policy: z.string(),
      }),
      invokedAt: z.number(),
      completedAt: z.number().optional(),
      outcome: z.enum(['ok', 'fail', 'indeterminate']).optional(),
      output: z.object({ clocks: z.array(z.unknown().transform((clock) => fromJSON(clock))) }).optional(),
      reason: z.string().optional(),
    }),
  ),
});

/**
 * Reads each peer coordinator's recorded history (its GET /history), so one
 * /check judges every operation the lab served, whichever coordinator served
 * it. Both run on one host (or one Docker host), so their timestamps compare.
 */
export async function fetchPeerOperations(
  peers: readonly PeerAddress[],
  timeoutMs = 2_000,
): Promise<PeerOperations> {
  const operations: KvOperation[] = [];
  const unreachable: string[] = [];
  await Promise.all(
    peers.map(async (peer) => {
      try {
        const response = await fetch(`${peer.url}/history?limit=10000`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) throw new Error(`status ${response.status}`);
        const body = peerHistory.parse(await response.json());
        for (const op of body.operations) operations.push({ ...op, coordinator: peer.name });
      } catch {
        unreachable.push(peer.name);
      }
    }),
  );
  return { operations, unreachable: unreachable.sort() };
}

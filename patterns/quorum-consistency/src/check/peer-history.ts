import type { KvOperation } from './check/history-check.ts';
import type { PeerAddress } from './config.ts';

/** What the other coordinators recorded, and which of them did not answer. */
export interface PeerOperations {
  readonly operations: KvOperation[];
  readonly unreachable: string[];
}

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
        const body = (await response.json()) as { operations?: KvOperation[] };
        for (const op of body.operations ?? []) operations.push({ ...op, coordinator: peer.name });
      } catch {
        unreachable.push(peer.name);
      }
    }),
  );
  return { operations, unreachable: unreachable.sort() };
}

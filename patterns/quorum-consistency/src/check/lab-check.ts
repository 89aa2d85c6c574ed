import type { CheckVerdict } from '@kvs-lab/shared/history';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import type { PeerAddress } from '../config.ts';
import type { QuorumService } from '../coordinator/quorum-service.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
import { checkDurability, checkKvHistory } from './history-check.ts';
import type { KvOperation } from './history-check.ts';
import { fetchPeerOperations } from './peer-history.ts';

/**
 * GET /check for the whole lab: this coordinator's history and its peers',
 * judged by the two promises (reads see acknowledged writes; nothing
 * acknowledged is lost), then whether the replicas hold the same data right
 * now (equal Merkle roots), reported beside the verdict.
 */
export async function checkLab(
  local: readonly Omit<KvOperation, 'coordinator'>[],
  lab: {
    readonly instance: string;
    readonly peers: readonly PeerAddress[];
    readonly quorum: QuorumService;
    readonly rootOf: (replica: ReplicaStore) => Promise<string>;
  },
): Promise<CheckVerdict> {
  const { instance, quorum } = lab;
  const peers = await fetchPeerOperations(lab.peers);
  const operations = [...local.map((op) => ({ ...op, coordinator: instance })), ...peers.operations];
  const reads = checkKvHistory(operations);
  const durability = checkDurability(operations, await currentClocks(quorum, operations));
  const roots = await Promise.all(
    quorum.replicas.map(async (replica) => {
      try {
        return { node: replica.name, root: await lab.rootOf(replica) };
      } catch {
        return { node: replica.name, root: null };
      }
    }),
  );
  const haveConverged = roots.every((entry) => entry.root !== null && entry.root === roots[0]?.root);
  const convergence = haveConverged
    ? 'The replicas have converged: their Merkle roots are equal.'
    : 'The replicas differ right now (or one does not answer): anti-entropy will bring them together once healed.';
  const failed = [reads, durability].find((verdict) => !verdict.valid);
  // The kit's checkedOperations counts this coordinator's own record, so the summary leads with that count.
  const peerCounts = new Map<string, number>();
  for (const { coordinator = '' } of peers.operations)
    peerCounts.set(coordinator, (peerCounts.get(coordinator) ?? 0) + 1);
  const answeredPeers = lab.peers
    .map((peer) => peer.name)
    .filter((name) => !peers.unreachable.includes(name));
  const scope =
    `Over ${local.length} operation${local.length === 1 ? '' : 's'} served here by ${instance}` +
    answeredPeers.map((name) => ` and ${peerCounts.get(name) ?? 0} from ${name}`).join('') +
    (answeredPeers.length > 0 ? ` (${operations.length} in all)` : '') +
    (peers.unreachable.length > 0 ? ` (${peers.unreachable.join(', ')} did not answer: not checked).` : '.');
  return {
    valid: failed === undefined,
    summary: [scope, reads.summary, durability.summary, convergence].join(' '),
    ...(failed ? { firstViolation: failed.firstViolation } : {}),
    details: {
      reads: reads.valid,
      durability: durability.valid,
      haveConverged,
      roots,
      peersUnreachable: peers.unreachable,
      operationsByCoordinator: Object.fromEntries<number>([
        [instance, local.length],
        ...answeredPeers.map((name): [string, number] => [name, peerCounts.get(name) ?? 0]),
      ]),
    },
  };
}

/** Every replica's clocks for each key the history wrote (up to 2,000 keys), undefined where a replica did not answer. */
async function currentClocks(
  quorum: QuorumService,
  operations: readonly { kind: string; input: { key: string } }[],
): Promise<Map<string, VectorClock[] | undefined>> {
  const keys = [...new Set(operations.filter((op) => op.kind === 'write').map((op) => op.input.key))].slice(
    0,
    2_000,
  );
  const current = new Map<string, VectorClock[] | undefined>();
  for (const key of keys) {
    const held = await quorum.rawReplicas(key);
    current.set(
      key,
      held.every((replica) => replica.isUp)
        ? held.flatMap((replica) => replica.versions.map((version) => version.clock))
        : undefined,
    );
  }
  return current;
}

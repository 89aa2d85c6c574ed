import { observeProbe } from '../../domain/replica-freshness.ts';
import type { ReplicaFreshness } from '../../domain/replica-freshness.ts';
import type { Shard } from '../../domain/shard-map.ts';
import type { ClusterState } from './cluster-state.ts';
import { nodeStore } from './node-store.ts';

/**
 * The router's probe of each shard's replica, every `intervalMs`: ROLE on the master, then INFO
 * replication on the replica (see `replica-freshness.ts`). Eventual reads consult what it found instead
 * of asking the replica's role and the master's offset with every read: two commands per shard per
 * interval rather than per read.
 */
export class ReplicaProbe {
  private readonly freshness = new Map<string, ReplicaFreshness>();
  private readonly probing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  private readonly state: ClusterState;
  private readonly options: { readonly intervalMs: number; readonly now: () => number };

  constructor(state: ClusterState, options: { intervalMs: number; now: () => number }) {
    this.state = state;
    this.options = options;
  }

  /** One round now (so the first reads find replicas known), then one every interval. */
  async start(): Promise<void> {
    await this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** What the probes know of the shard's replica, if they probed the master and replica it has now. */
  of(shard: Shard): ReplicaFreshness | undefined {
    const found = this.freshness.get(shard.id);
    return found?.master === shard.master && found.replica === shard.replica ? found : undefined;
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.state.map.shards.map((shard) => this.probeOne(shard)));
  }

  private async probeOne(shard: Shard): Promise<void> {
    const replica = shard.replica;
    // A probe still out (a slow node) is not doubled: one per shard at a time.
    if (replica === undefined || this.probing.has(shard.id)) return;
    this.probing.add(shard.id);
    try {
      const master = this.state.node(shard.master);
      const askedAt = this.options.now();
      // In turn, not together: the replica's offset must be read after the master's answer.
      const masterOffset = await nodeStore.masterOffset(master).catch(() => undefined);
      const replicaSession = this.state.sessionOf(replica);
      const info = await nodeStore.replicationInfo(this.state.node(replica)).catch(() => undefined);
      const current = this.state.shard(shard.id);
      // A failover meanwhile: the answers describe roles that no longer hold.
      if (current.master !== shard.master || current.replica !== replica) return;
      this.freshness.set(
        shard.id,
        observeProbe(this.of(current), {
          master: shard.master,
          replica,
          masterAddress: `${master.address.host}:${master.address.port}`,
          isReplicationPaused: this.state.pausedReplication.has(shard.id),
          mark: masterOffset === undefined ? undefined : { askedAt, offset: masterOffset },
          replicaReport: info?.report ?? { isReachable: false },
          replicaOffset: info?.offset,
          replicaLink: info?.linkStatus,
          replicaSession,
        }),
      );
    } finally {
      this.probing.delete(shard.id);
    }
  }
}

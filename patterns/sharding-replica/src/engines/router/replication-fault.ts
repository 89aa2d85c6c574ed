import { z } from '@kvs-lab/shared/service';
import type { ChaosFault } from '@kvs-lab/shared/service';
import type { ClusterState } from './cluster-state.ts';
import { nodeStore } from './node-store.ts';
import { AppError } from '../../errors.ts';

// Nothing listens on port 1 of the replica's own loopback: its replication link stays down.
const deadMaster = { host: '127.0.0.1', port: 1 };

const params = z.strictObject({
  shard: z
    .string()
    .regex(/^shard-\d{1,3}$/, 'shard-N')
    .openapi({ example: 'shard-1' }),
});

/**
 * `replication-pause`: cuts one shard's replication link, as a network fault
 * between master and replica would. The replica is pointed at an address
 * where nothing listens, so it stays a read-only replica serving its last
 * (now stale) data, and the master acknowledges writes it cannot pass on.
 * Healing lets the monitor point it back at its master (a partial resync).
 */
export function replicationPauseFault(state: ClusterState): ChaosFault<typeof params> {
  return {
    name: 'replication-pause',
    description: "cut a shard's replication link: its replica stops receiving writes but keeps serving reads",
    params,
    errors: ['SHARD_NOT_FOUND', 'REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    async inject({ shard: id }) {
      const shard = state.shard(id);
      if (shard.replica === undefined) {
        throw new AppError('SHARD_NOT_FOUND', `${id} has no replica.`, { extras: { shard: id } });
      }
      // Marked first, so the monitor does not point the replica back at its master mid-inject.
      const wasPaused = state.pausedReplication.has(id);
      state.pausedReplication.add(id);
      try {
        await nodeStore.follow(state.node(shard.replica), deadMaster);
      } catch (error) {
        // The replica was not told (503) or may have been (504): either way the monitor resumes its care.
        if (!wasPaused) state.pausedReplication.delete(id);
        throw error;
      }
    },
    heal() {
      // The monitor's next sample makes each replica follow its master again.
      state.pausedReplication.clear();
    },
    state: () => ({ pausedShards: [...state.pausedReplication] }),
  };
}

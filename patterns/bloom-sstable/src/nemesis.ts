import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

/**
 * `pnpm lab nemesis bloom-sstable`: clients put, get and delete keys while the node is killed
 * (kill -9: the WAL must bring back every acknowledged write), paused, and cut from its L2
 * cache. /check judges that every read returned the last acknowledged write.
 */
export const workload: NemesisWorkload = {
  pattern: 'bloom-sstable',
  defaultFaults: ['kill', 'pause', 'cut'],
  faultyProcesses: ['lsm-node'],
  faultyLinks: [{ service: 'lsm-node', node: 'lsm-cache' }],
  settleSeconds: 2,
  operation: async ({ client, random, seed, worker, sequence }) => {
    const key = `nemesis-${seed}-${Math.floor(random() * 20)}`;
    const roll = random();
    if (roll < 0.5) {
      return outcomeOf(
        await client.request('lsm-node', 'PUT', `/kv/${key}`, { value: `w${worker}-${sequence}` }),
      );
    }
    if (roll < 0.6) return outcomeOf(await client.request('lsm-node', 'DELETE', `/kv/${key}`));
    const read = await client.request('lsm-node', 'GET', `/kv/${key}`);
    return read.status === 404 ? 'ok' : outcomeOf(read);
  },
};

import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

// A replay of the same seed on the same ring writes the same keys: values carry this invocation's
// stamp, so a value left by an earlier invocation is never mistaken for one this run wrote.
const invocation = Date.now().toString(36);

/**
 * `pnpm lab nemesis coordinator-ring`: clients write and read a few keys through any node
 * (followers forward to the leader) while nodes are killed, paused and restarted. Every
 * node's /check runs the linearizability checker over what it served: its share of the traffic,
 * so a value written through another node explains any read of it (ring-check.ts).
 */
export const workload: NemesisWorkload = {
  pattern: 'coordinator-ring',
  defaultFaults: ['kill', 'pause', 'restart'],
  faultyProcesses: ['ring-1', 'ring-2', 'ring-3'],
  settleSeconds: 3,
  operation: async ({ client, random, seed, worker, sequence }) => {
    const node = client.services[Math.floor(random() * client.services.length)] ?? 'ring-1';
    const key = `nemesis-${seed}-${Math.floor(random() * 4)}`;
    if (random() < 0.5) {
      return outcomeOf(
        await client.request(node, 'PUT', `/kv/${key}`, { value: `w${worker}-${sequence}.${invocation}` }),
      );
    }
    const read = await client.request(node, 'GET', `/kv/${key}`);
    return read.status === 404 ? 'ok' : outcomeOf(read);
  },
};

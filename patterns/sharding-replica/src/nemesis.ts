import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

const masters = ['shard-1-master', 'shard-2-master', 'shard-3-master'];

/**
 * `pnpm lab nemesis sharding-replica`: clients write keys with `durability=replica` (WAIT 1)
 * and read them back while masters are killed and paused, so the router fails over. No write
 * acknowledged after a replica took it may be lost. `--variant async` writes without waiting
 * for the replica: a master killed inside the async window takes acknowledged writes with it,
 * and the run reports how many.
 */
export const workload: NemesisWorkload = {
  pattern: 'sharding-replica',
  defaultFaults: ['kill', 'pause'],
  faultyProcesses: masters,
  variants: {
    async: { description: 'writes acknowledged before any replica has them (durability=async)' },
  },
  settleSeconds: 3,
  judge: (answer, variant) => {
    const lost = (answer.details as { asyncWritesLost?: number } | undefined)?.asyncWritesLost ?? 0;
    return variant === 'async' && lost > 0
      ? `${lost} write(s) acknowledged with durability=async were lost when their master died: ${answer.summary}`
      : undefined;
  },
  operation: async ({ client, random, seed, worker, sequence, variant }) => {
    const service = client.services[0] ?? 'shard-router';
    const key = `nemesis-${seed}-${worker}-${sequence % 50}`;
    const durability = variant === 'async' ? 'async' : 'replica';
    if (random() < 0.7) {
      const written = await client.request(service, 'PUT', `/kv/${key}?durability=${durability}`, {
        value: `v${sequence}`,
      });
      return outcomeOf(written);
    }
    return outcomeOf(await client.request(service, 'GET', `/kv/${key}?consistency=strong`));
  },
};

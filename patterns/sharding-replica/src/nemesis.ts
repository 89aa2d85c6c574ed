import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

const shards = ['shard-1', 'shard-2', 'shard-3'];

/**
 * `pnpm lab nemesis sharding-replica`: clients write keys with `durability=replica` (WAIT 1)
 * and read them back while masters are killed and paused, so the router fails over. No write
 * acknowledged after a replica took it may be lost. `--variant async` writes without waiting
 * for the replica, with each shard's replication link cut so the window stays open: a master
 * killed while its replica lags takes acknowledged writes with it, and the run reports how many.
 */
export const workload: NemesisWorkload = {
  pattern: 'sharding-replica',
  defaultFaults: ['kill', 'pause'],
  // Faults name a shard and land on whichever node is its master when they strike.
  faultyProcesses: shards,
  resolveProcess: async (shard, client) => {
    const answer = await client.request(client.services[0] ?? 'shard-router', 'GET', '/shards');
    const body = answer.body as { shards?: { id: string; master: { name: string } }[] } | undefined;
    const master = body?.shards?.find((s) => s.id === shard)?.master.name;
    if (!master) throw new Error(`no master known for ${shard}`);
    return master;
  },
  variants: {
    async: {
      description:
        'writes acknowledged before any replica has them (durability=async), with replication cut so the window stays open',
      apply: async (client) => {
        const service = client.services[0] ?? 'shard-router';
        for (const shard of shards) {
          await client.request(service, 'POST', '/chaos/faults/replication-pause', { shard });
        }
      },
    },
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
    // Each key is written once, so a later write cannot hide an earlier one's loss from /check.
    const keyOf = (n: number) => `nemesis-${seed}-${worker}-${n}`;
    const durability = variant === 'async' ? 'async' : 'replica';
    if (sequence === 0 || random() < 0.7) {
      const written = await client.request(
        service,
        'PUT',
        `/kv/${keyOf(sequence)}?durability=${durability}`,
        {
          value: `v${sequence}`,
        },
      );
      return outcomeOf(written);
    }
    const earlier = keyOf(Math.floor(random() * sequence));
    const read = await client.request(service, 'GET', `/kv/${earlier}?consistency=strong`);
    // A key whose write failed was never there: 404 is an answer, not a failure.
    return read.status === 404 ? 'ok' : outcomeOf(read);
  },
};

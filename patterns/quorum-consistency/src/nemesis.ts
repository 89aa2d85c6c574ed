import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisClient, NemesisWorkload } from '@kvs-lab/shared/nemesis';

const replicas = ['replica-1', 'replica-2', 'replica-3'];
const defaults = { w: 2, r: 2, conflictPolicy: 'vector-clock', readRepair: true, answerAtQuorum: false };

async function configureAll(client: NemesisClient, settings: Record<string, unknown>): Promise<void> {
  for (const service of client.services) await client.request(service, 'PUT', '/config', settings);
}

/**
 * `pnpm lab nemesis quorum-consistency`: clients write a key through one coordinator and read it
 * back through either, while replicas are killed, paused and slowed. At W=2, R=2 (W+R>N) every
 * read that starts after an acknowledged write sees it. `--variant w1r1` drops to W=1, R=1 and
 * answers at the first acknowledgement: a read can reach a replica the write has not, and /check
 * counts the stale read.
 */
export const workload: NemesisWorkload = {
  pattern: 'quorum-consistency',
  defaultFaults: ['kill', 'pause', 'slow'],
  faultyProcesses: replicas,
  faultyLinks: replicas.flatMap((node) => [
    { service: 'quorum-a', node },
    { service: 'quorum-b', node },
  ]),
  reset: (client) => configureAll(client, defaults),
  variants: {
    w1r1: {
      description: 'W=1, R=1 answering at the first acknowledgement, without read repair: W+R<=N',
      apply: (client) => configureAll(client, { w: 1, r: 1, answerAtQuorum: true, readRepair: false }),
    },
  },
  settleSeconds: 1,
  operation: async ({ client, random, seed, worker, sequence }) => {
    const [a = 'quorum-a', b = 'quorum-b'] = client.services;
    const writer = random() < 0.5 ? a : b;
    const reader = random() < 0.5 ? a : b;
    const key = `nemesis-${seed}-${Math.floor(random() * 8)}`;
    const written = await client.request(writer, 'PUT', `/kv/${key}`, { value: `w${worker}-${sequence}` });
    if (outcomeOf(written) !== 'ok') return outcomeOf(written);
    return outcomeOf(await client.request(reader, 'GET', `/kv/${key}`));
  },
};

import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

const ttlMs = 800;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `pnpm lab nemesis distributed-lock`: clients take a lock through either instance, write to
 * the protected resource with their fencing token, and release. One client in four stalls
 * past its lease before writing, as a paused process would: with the fencing check on its
 * write is refused; with it off (`--variant fencing-off`) the stale write lands after a
 * newer one and /check reports the lost update.
 */
export const workload: NemesisWorkload = {
  pattern: 'distributed-lock',
  defaultFaults: ['kill', 'pause', 'cut'],
  // The runner keeps the names of the engine that runs: Redlock's lock nodes, or etcd's members.
  faultyProcesses: [
    'lock-1',
    'lock-2',
    'lock-3',
    'lock-4',
    'lock-5',
    'lock-etcd-1',
    'lock-etcd-2',
    'lock-etcd-3',
  ],
  faultyLinks: [
    { service: 'lock-a', node: 'lock-1' },
    { service: 'lock-b', node: 'lock-2' },
  ],
  variants: {
    'fencing-off': {
      description: 'the protected resource accepts every write, stale tokens too',
      apply: async (client) => {
        for (const service of client.services) {
          await client.request(service, 'POST', '/chaos/faults/fencing-check-off');
        }
      },
    },
  },
  operation: async ({ client, random, worker, sequence, seed, variant }) => {
    const service = client.services[Math.floor(random() * client.services.length)] ?? 'lock-a';
    // Named after the seed and the variant: a fenced run never meets what an unfenced run with the
    // same seed left in the resource's log (and /check judges only writes since its history began).
    const resource = `nemesis-${seed}-${variant ?? 'fenced'}-${random() < 0.5 ? 'a' : 'b'}`;
    const isStalling = random() < 0.25;
    const owner = `w${worker}-${sequence}`;
    const acquired = await client.request(service, 'POST', `/locks/${resource}`, {
      ttlMs,
      waitMs: 1_500,
      owner,
    });
    if (acquired.status !== 201) return outcomeOf(acquired);
    const lease = acquired.body as { token: string; fencingToken: number };
    if (isStalling) await sleep(ttlMs + 400);
    const written = await client.request(service, 'POST', `/resources/${resource}/writes`, {
      fencingToken: lease.fencingToken,
      data: owner,
      writer: owner,
    });
    await client
      .request(service, 'POST', `/locks/${resource}/release`, { token: lease.token })
      .catch(() => undefined);
    return outcomeOf(written);
  },
};

import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

/**
 * `pnpm lab nemesis gmail-pubsub`: clients deliver mail to a few mailboxes through either
 * instance and read their history while the instances and their Redis links fail. /check
 * judges that historyIds rise without gaps and every acknowledged mail is in the history.
 */
export const workload: NemesisWorkload = {
  pattern: 'gmail-pubsub',
  defaultFaults: ['pause', 'restart', 'cut'],
  faultyProcesses: ['pubsub-a', 'pubsub-b'],
  faultyLinks: [
    { service: 'pubsub-a', node: 'pubsub-redis' },
    { service: 'pubsub-b', node: 'pubsub-redis' },
  ],
  settleSeconds: 2,
  operation: async ({ client, random, seed, worker, sequence }) => {
    const instance = client.services[Math.floor(random() * client.services.length)] ?? 'pubsub-a';
    const user = `nemesis-${seed}-${Math.floor(random() * 3)}`;
    if (random() < 0.8) {
      return outcomeOf(
        await client.request(instance, 'POST', `/users/${user}/messages`, {
          from: `client-${worker}@example.com`,
          subject: `mail ${sequence}`,
          labels: ['nemesis'],
        }),
      );
    }
    return outcomeOf(await client.request(instance, 'GET', `/users/${user}/history?startHistoryId=0`));
  },
};

import { outcomeOf } from '@kvs-lab/shared/nemesis';
import type { NemesisWorkload } from '@kvs-lab/shared/nemesis';

/**
 * `pnpm lab nemesis line-streams`: clients send to a few rooms (some sends retried with the
 * same clientMsgId, as a client does after a timeout) while workers are killed, paused and
 * restarted. /check judges order per room and that no acknowledged message was lost or
 * delivered twice to an inbox.
 */
export const workload: NemesisWorkload = {
  pattern: 'line-streams',
  defaultFaults: ['kill', 'pause', 'restart'],
  faultyProcesses: ['worker-1', 'worker-2'],
  settleSeconds: 5,
  operation: async ({ client, random, seed, worker, sequence }) => {
    const room = `nemesis-${seed}-${Math.floor(random() * 3)}`;
    const clientMsgId = `w${worker}-${random() < 0.1 ? Math.max(0, sequence - 1) : sequence}`;
    const sent = await client.request('streams-api', 'POST', `/rooms/${room}/messages`, {
      senderId: `client-${worker}`,
      text: `message ${clientMsgId}`,
      clientMsgId,
    });
    // A retry with a reused id and other text is refused on purpose (409): the client's own doing.
    return sent.status === 409 ? 'fail' : outcomeOf(sent);
  },
};

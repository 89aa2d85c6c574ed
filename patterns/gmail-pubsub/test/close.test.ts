import { sendRedisCommand, startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRecorder, startInstance, subscribeTo } from './support/gmail-pubsub-lab.ts';

/** The connections Redis holds, one `CLIENT LIST` line each, without the one asking. */
async function otherClients(port: number): Promise<string[]> {
  const list = String(await sendRedisCommand(port, ['CLIENT', 'LIST']));
  return list
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.includes('cmd=client|list'));
}

const field = (line: string, name: string): string | undefined =>
  line.match(new RegExp(`(?:^| )${name}=(\\S*)`))?.[1];

// What each engine parks on Redis while it runs: the adapter's reader in XREAD BLOCK, the bus's subscriber.
const parked = {
  'socketio-adapter': { flag: 'b', connection: 'gmail-pubsub:pubsub-closing:adapter' },
  pubsub: { flag: 'P', connection: 'gmail-pubsub:pubsub-closing:subscriber' },
} as const;

describe('closing the service', () => {
  afterAll(() => stopAllRedis());

  it.each(['socketio-adapter', 'pubsub'] as const)(
    'engine %s: when close() resolves, then no connection of the instance is left at Redis (a blocked read included), and Redis can stop at once',
    async (engine) => {
      const redis = await startRedis({ name: 'pubsub-redis' });
      const instance = await startInstance(redis, 'pubsub-closing', { ENGINE: engine });
      const client = await connectRecorder(instance.url, 'dora');
      expect(await subscribeTo(client.socket, 'mailbox')).toMatchObject({ ok: true });
      // The precondition that gives the check below its meaning: the engine's listener is parked at Redis now.
      const listeners = (await otherClients(redis.port)).filter((line) =>
        field(line, 'flags')?.includes(parked[engine].flag),
      );
      expect(listeners).toHaveLength(1);
      expect(field(listeners[0] ?? '', 'name')).toBe(parked[engine].connection);

      client.close();
      await instance.service.close();

      // Nothing of the instance may still be connected, reading or waiting for a reply.
      expect(await otherClients(redis.port)).toEqual([]);
      const info = String(await sendRedisCommand(redis.port, ['INFO', 'clients']));
      expect(info).toMatch(/\bblocked_clients:0\b/);
      // The bench stops Redis right after closing: a reader left behind would be cut here and retry forever
      // (an unhandled rejection or an error it did not swallow fails this file under vitest).
      await redis.stop();
    },
  );
});

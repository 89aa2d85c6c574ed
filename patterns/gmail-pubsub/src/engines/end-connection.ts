import type { Redis } from 'ioredis';

const quitGraceMs = 1_000;

/**
 * Ends `client` and resolves when its socket has closed, so Redis has freed the
 * connection too. A client between reconnects has no socket: stopping its retry
 * timer is all there is to end.
 */
export function endConnection(client: Redis, how: 'quit' | 'cut'): Promise<void> {
  if (client.status === 'end') return Promise.resolve();
  if (client.status === 'reconnecting' || client.status === 'close') {
    client.disconnect();
    return Promise.resolve();
  }
  const closed = new Promise<void>((resolve) => client.once('end', () => resolve()));
  // QUIT only on a ready link: queued behind commands that wait for a reconnect, it could wait forever.
  if (how === 'quit' && client.status === 'ready') {
    // A Redis that stopped answering (paused) would hold QUIT forever: cut it then. A cut socket that gets no
    // FIN back is destroyed by ioredis after its disconnectTimeout, so either way the link ends.
    const fallback = setTimeout(() => client.disconnect(), quitGraceMs);
    void closed.then(() => clearTimeout(fallback));
    client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
  return closed;
}

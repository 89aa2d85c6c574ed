import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { endConnection } from '../end-connection.ts';

/**
 * The client handed to socket.io's streams adapter. The adapter duplicates it for its
 * XREAD BLOCK reader and its Pub/Sub subscriber and never hands those back; its own
 * close ends the reader only when the blocked read returns (up to `blockTimeInMs`)
 * and does not wait for that. Remembering the duplicates lets the engine end them
 * itself, so a closed engine leaves nothing running against Redis.
 */
export class AdapterConnection extends Redis {
  readonly duplicates: Redis[] = [];

  override duplicate(override?: Partial<RedisOptions>): Redis {
    const copy = super.duplicate(override);
    this.duplicates.push(copy);
    return copy;
  }

  /**
   * Resolves once this connection and every duplicate are closed. The duplicates are
   * cut (a blocked read then fails at once, and the adapter's loop, already aborted,
   * stops); this one sends QUIT, so whatever the adapter sent before it (its
   * goodbye to the other instances) is answered first.
   */
  async closeAll(): Promise<void> {
    await Promise.all([
      ...this.duplicates.map((copy) => endConnection(copy, 'cut')),
      endConnection(this, 'quit'),
    ]);
    // The rejected reads settle in microtasks queued before this: one turn of the loop lets them run out.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

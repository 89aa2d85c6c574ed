import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';
import { num } from './redis-values.ts';
import { fieldMap, toMessage } from './stream-entry.ts';
import type { RawEntry, StoredMessage } from './stream-entry.ts';

export interface DeadLetter extends StoredMessage {
  /** The dead-letter stream's own id (what replay takes). */
  readonly deadLetterId: string;
  readonly originalId: string;
  readonly reason: string;
  readonly deliveries: number;
  readonly consumer?: string;
}

function toDeadLetter(entry: RawEntry): DeadLetter {
  const f = fieldMap(entry[1]);
  const message = toMessage(f.room ?? '', [f.originalId ?? '', entry[1]]);
  return {
    ...message,
    deadLetterId: entry[0],
    originalId: f.originalId ?? '',
    reason: f.reason ?? '',
    deliveries: num(f.deliveries),
    ...(f.consumer ? { consumer: f.consumer } : {}),
  };
}

/**
 * Messages given up on (too many deliveries, evicted before delivery, acked unapplied), and the
 * record of those replayed. The scripts write them; this reads them.
 */
export class DeadLetterStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  /** The newest first. */
  async list(limit: number): Promise<DeadLetter[]> {
    const entries = await this.node.run((c) => c.xrevrange(keys.deadLetters, '+', '-', 'COUNT', limit));
    return entries.map(toDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const [entry] = await this.node.run((c) => c.xrange(keys.deadLetters, id, id));
    return entry ? toDeadLetter(entry) : undefined;
  }

  async count(): Promise<number> {
    return this.node.run((c) => c.xlen(keys.deadLetters));
  }

  /** Dead letters re-queued by a replay (the newest REPLAYS_MAX_LEN of them). */
  async replays(): Promise<{ room: string; originalId: string; id: string }[]> {
    const entries = await this.node.run((c) => c.xrange(keys.replays, '-', '+'));
    return entries.map(([, fields]) => {
      const f = fieldMap(fields);
      return { room: f.room ?? '', originalId: f.originalId ?? '', id: f.id ?? '' };
    });
  }
}

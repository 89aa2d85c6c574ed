import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';
import { num } from './redis-values.ts';
import type { StoredMessage } from './stream-entry.ts';

/** The members' inboxes and unread counters: the workers' effect, as the users read it. */
export class InboxStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  async read(
    user: string,
    limit: number,
  ): Promise<{ unread: number; total: number; messages: StoredMessage[] }> {
    const [unread, total, raw] = await this.node.run((c) =>
      Promise.all([
        c.get(keys.unread(user)),
        c.llen(keys.inbox(user)),
        c.lrange(keys.inbox(user), 0, limit - 1),
      ]),
    );
    return {
      unread: num(unread),
      total,
      messages: raw.map((json) => JSON.parse(json) as StoredMessage),
    };
  }

  /** The whole inbox, oldest first, for the checker. */
  async full(user: string): Promise<{ room: string; id: string }[]> {
    const raw = await this.node.run((c) => c.lrange(keys.inbox(user), 0, -1));
    return raw.reverse().map((json) => {
      const m = JSON.parse(json) as StoredMessage;
      return { room: m.room, id: m.id };
    });
  }

  async markRead(user: string): Promise<number> {
    const previous = await this.node.run((c) => c.getset(keys.unread(user), '0'));
    return num(previous);
  }

  async unreadCounts(users: readonly string[]): Promise<Record<string, number>> {
    if (users.length === 0) return {};
    const values = await this.node.run((c) => c.mget(...users.map((u) => keys.unread(u))));
    return Object.fromEntries(users.map((u, i) => [u, num(values[i])]));
  }
}

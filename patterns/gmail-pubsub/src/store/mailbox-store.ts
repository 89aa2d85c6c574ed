import type { RedisNode } from '@kvs-lab/shared/redis';
import { LuaScript, arrayReply } from '@kvs-lab/shared/redis';
import type { MailNote } from '../domain/notification.ts';
import { keys } from './keys.ts';

function toNumber(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected a number from Redis, got ${String(value)}`);
  return n;
}

/** A reply of exactly three numbers, in the order the script's header lists them. */
function threeNumbers(script: string, reply: unknown): readonly [number, number, number] {
  const [a, b, c, ...rest] = arrayReply(script, toNumber)(reply);
  if (a === undefined || b === undefined || c === undefined || rest.length > 0)
    throw new Error(`${script}.lua answered ${JSON.stringify(reply)}, not three numbers`);
  return [a, b, c];
}

const appendMailScript = new LuaScript(new URL('./lua/append-mail.lua', import.meta.url), (reply) => {
  const [historyId, at, trimmedThrough] = threeNumbers('append-mail', reply);
  return { historyId, at, trimmedThrough };
});
const readHistoryScript = new LuaScript(
  new URL('./lua/read-history.lua', import.meta.url),
  (reply): HistoryPage => {
    const [historyId, trimmedThrough, ...entries] = arrayReply('read-history', String)(reply);
    return {
      historyId: toNumber(historyId),
      trimmedThrough: toNumber(trimmedThrough),
      entries: entries.map((raw) => JSON.parse(raw) as HistoryEntry),
    };
  },
);
const trimHistoryScript = new LuaScript(new URL('./lua/trim-history.lua', import.meta.url), (reply) => {
  const [historyId, trimmedThrough, removed] = threeNumbers('trim-history', reply);
  return { historyId, trimmedThrough, removed };
});

/** One history entry: the notification plus the body, which only history carries. */
export interface HistoryEntry extends MailNote {
  readonly body?: string;
}

export interface NewMail {
  readonly userId: string;
  readonly messageId: string;
  readonly from: string;
  readonly subject: string;
  readonly body?: string;
  readonly labels: readonly string[];
}

export interface HistoryRetention {
  readonly maxCount: number;
  readonly maxAgeMs: number;
}

export interface HistoryPage {
  /** The mailbox's latest historyId. */
  readonly historyId: number;
  /** Everything at or below this was trimmed away. */
  readonly trimmedThrough: number;
  readonly entries: readonly HistoryEntry[];
}

/** The durable side of the pattern: per-user history and historyId, in Redis. */
export class MailboxStore {
  private readonly node: RedisNode;
  private readonly retention: HistoryRetention;

  constructor(node: RedisNode, retention: HistoryRetention) {
    this.node = node;
    this.retention = retention;
  }

  /** Appends, trims and publishes on `publishOn` (the mailbox channel and label topics, or none), atomically. */
  async append(
    mail: NewMail,
    publishOn: readonly string[],
  ): Promise<{ historyId: number; at: number; trimmedThrough: number }> {
    const note = {
      kind: 'mail',
      userId: mail.userId,
      messageId: mail.messageId,
      from: mail.from,
      subject: mail.subject,
      labels: mail.labels,
    };
    const entry = mail.body === undefined ? note : { ...note, body: mail.body };
    return this.node.run((client) =>
      appendMailScript.run(
        client,
        [keys.mailbox(mail.userId), keys.history(mail.userId)],
        [
          JSON.stringify(entry),
          JSON.stringify(note),
          this.retention.maxCount,
          this.retention.maxAgeMs,
          100,
          ...publishOn,
        ],
      ),
    );
  }

  /** At most `limit` entries after `startHistoryId`, oldest first, with the mailbox's bounds at that moment. */
  async read(userId: string, options: { startHistoryId: number; limit: number }): Promise<HistoryPage> {
    return this.node.run((client) =>
      readHistoryScript.run(
        client,
        [keys.mailbox(userId), keys.history(userId)],
        [options.startHistoryId, options.limit],
      ),
    );
  }

  /** Keeps only the newest `keepLast` entries. */
  async trim(
    userId: string,
    keepLast: number,
  ): Promise<{ historyId: number; trimmedThrough: number; removed: number }> {
    return this.node.run((client) =>
      trimHistoryScript.run(client, [keys.mailbox(userId), keys.history(userId)], [keepLast]),
    );
  }
}

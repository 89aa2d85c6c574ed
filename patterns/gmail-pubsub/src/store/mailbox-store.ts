import type { RedisNode } from '@kvs-lab/shared/redis';
import type { MailNote } from '../domain/notification.ts';
import { keys } from './keys.ts';
import { LuaScript } from '@kvs-lab/shared/redis';

const appendMailScript = new LuaScript(new URL('./lua/append-mail.lua', import.meta.url));
const readHistoryScript = new LuaScript(new URL('./lua/read-history.lua', import.meta.url));
const trimHistoryScript = new LuaScript(new URL('./lua/trim-history.lua', import.meta.url));

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

function toNumber(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected a number from Redis, got ${String(value)}`);
  return n;
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
    const reply = (await this.node.run((client) =>
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
    )) as unknown[];
    return { historyId: toNumber(reply[0]), at: toNumber(reply[1]), trimmedThrough: toNumber(reply[2]) };
  }

  /** At most `limit` entries after `startHistoryId`, oldest first, with the mailbox's bounds at that moment. */
  async read(userId: string, options: { startHistoryId: number; limit: number }): Promise<HistoryPage> {
    const reply = (await this.node.run((client) =>
      readHistoryScript.run(
        client,
        [keys.mailbox(userId), keys.history(userId)],
        [options.startHistoryId, options.limit],
      ),
    )) as unknown[];
    const [historyId, trimmedThrough, ...entries] = reply;
    return {
      historyId: toNumber(historyId),
      trimmedThrough: toNumber(trimmedThrough),
      entries: entries.map((raw) => JSON.parse(String(raw)) as HistoryEntry),
    };
  }

  /** Keeps only the newest `keepLast` entries. */
  async trim(
    userId: string,
    keepLast: number,
  ): Promise<{ historyId: number; trimmedThrough: number; removed: number }> {
    const reply = (await this.node.run((client) =>
      trimHistoryScript.run(client, [keys.mailbox(userId), keys.history(userId)], [keepLast]),
    )) as unknown[];
    return { historyId: toNumber(reply[0]), trimmedThrough: toNumber(reply[1]), removed: toNumber(reply[2]) };
  }
}

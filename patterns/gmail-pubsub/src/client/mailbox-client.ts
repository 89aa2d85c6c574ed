import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Filter } from '../domain/filter.ts';
import type { Cursor } from '../domain/history-cursor.ts';
import { applyHistory, newToApp, onPush } from '../domain/history-cursor.ts';
import { mailboxTopic } from '../domain/names.ts';
import type {
  ClientToServerEvents,
  MailReceived,
  ServerToClientEvents,
  SyncEvent,
  SyncReply,
} from '../realtime/events.ts';
import { acknowledge, notificationsNamespace } from '../realtime/events.ts';

/** What the client hands the app: each historyId once, in order, whether it came pushed or synced. */
export interface HandedMail {
  readonly historyId: number;
  readonly messageId: string;
  readonly subject: string;
  readonly via: 'push' | 'sync' | 'full-sync';
}

export interface MailboxClientOptions {
  /** The service's base URL, e.g. http://127.0.0.1:7201 */
  readonly url: string;
  readonly userId: string;
  /** Resume from this historyId (sync on connect); otherwise the first push starts the cursor. */
  readonly sinceHistoryId?: number;
  readonly filter?: Filter;
  /** Reconnect by itself after a disconnect the client did not ask for (default true). */
  readonly reconnection?: boolean;
  /** Messages per `GET .../messages` page during a full sync (default 100). */
  readonly fullSyncPageSize?: number;
}

/** One page of `GET /users/{userId}/messages`. */
interface MailboxPage {
  readonly historyId: number;
  readonly messages: readonly SyncEvent[];
  readonly hasMore: boolean;
  readonly nextAfterHistoryId: number | null;
}

/**
 * The Gmail-style client, used by the tests, the exercises and the bench: it
 * subscribes to its mailbox, treats every push as a hint, and catches up from
 * history whenever the historyIds jump, it reconnects, or the server says
 * `history:gap`. The app sees every mail once, in historyId order.
 */
export class MailboxClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly handed: HandedMail[] = [];
  readonly counts = {
    pushes: 0,
    duplicates: 0,
    gaps: 0,
    syncs: 0,
    fullSyncs: 0,
    fullSyncPages: 0,
    gapNotices: 0,
    droppedReported: 0,
    kicked: 0,
    /** Reconnections the server restored by connection state recovery (socketio-adapter engine): no sync needed. */
    recovered: 0,
  };
  private cursor: Cursor;
  /** The messageIds the app holds: what a full sync must not hand over again. */
  private readonly seen = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private isPaused = false;
  private heldAcks: (() => void)[] = [];
  private readonly readyWaiters: (() => void)[] = [];
  private readonly failWaiters: ((error: Error) => void)[] = [];
  /** The last error a push, sync or subscription step raised, for tests and curious readers. */
  lastError: Error | undefined;
  private readonly options: MailboxClientOptions;

  constructor(options: MailboxClientOptions) {
    this.options = options;
    this.cursor = options.sinceHistoryId;
    this.socket = io(`${options.url}${notificationsNamespace}`, {
      auth: { userId: options.userId },
      transports: ['websocket'],
      reconnection: options.reconnection ?? true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      autoConnect: false,
    });
    this.socket.on('connect', () => this.enqueue(() => this.onConnect()));
    this.socket.on('mail:received', (mail, ack) => {
      this.counts.pushes += 1;
      const release = () => acknowledge(ack);
      this.enqueue(async () => {
        await this.onMail(mail);
        if (this.isPaused) this.heldAcks.push(release);
        else release();
      });
    });
    this.socket.on('history:gap', () => {
      this.counts.gapNotices += 1;
      this.enqueue(() => this.sync());
    });
    // Cut off by the server (the disconnect policy for slow clients): come back and catch up, as a Gmail client would.
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect' && (options.reconnection ?? true)) {
        this.counts.kicked += 1;
        setTimeout(() => this.socket.connect(), 100);
      }
    });
    this.socket.on('backpressure:dropped', ({ count }) => {
      this.counts.droppedReported += count;
    });
  }

  /** Connects and resolves once subscribed to the mailbox (and caught up when resuming). */
  async connect(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      this.socket.once('connect_error', reject);
      // A refused subscription or a failed catch-up rejects instead of leaving connect() pending.
      this.failWaiters.push(reject);
      this.readyWaiters.push(() => {
        this.socket.off('connect_error', reject);
        this.failWaiters.splice(this.failWaiters.indexOf(reject), 1);
        resolve();
      });
    });
    this.socket.io.reconnection(this.options.reconnection ?? true);
    this.socket.connect();
    await ready;
  }

  disconnect(): void {
    this.socket.disconnect();
  }

  /**
   * Loses the connection as a network failure would (the transport closes, no goodbye
   * is sent), and stays away until connect(). A goodbye would end the server-side
   * session, so only this kind of disconnection can be recovered by socket.io.
   */
  dropConnection(): void {
    this.socket.io.reconnection(false);
    this.socket.io.engine.close();
  }

  /**
   * The private session id the server handed this socket for connection state recovery
   * (socketio-adapter engine); undefined when the server offers no recovery. socket.io
   * keeps it private, but it names the session Redis holds while the socket is away.
   */
  get recoverySessionId(): string | undefined {
    return (this.socket as unknown as { _pid?: string })._pid;
  }

  /** The last historyId handed to the app. */
  get historyId(): Cursor {
    return this.cursor;
  }

  /** Stops acknowledging pushes, like an app that stopped reading: the server's window fills. */
  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    const held = this.heldAcks;
    this.heldAcks = [];
    for (const release of held) release();
  }

  /** Resolves when every queued push and sync has been processed. */
  async settled(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.chain;
      await current;
    } while (current !== this.chain);
  }

  private enqueue(step: () => Promise<void>): void {
    // One step at a time: a sync and the pushes around it never interleave.
    this.chain = this.chain.then(step).catch((error: unknown) => {
      this.lastError = error instanceof Error ? error : new Error(String(error));
      for (const waiter of this.failWaiters.splice(0)) waiter(this.lastError);
    });
  }

  private async onConnect(): Promise<void> {
    // The server restored this socket's session: still subscribed, and it replays what the rooms missed.
    if (this.socket.recovered) {
      this.counts.recovered += 1;
      for (const waiter of this.readyWaiters.splice(0)) waiter();
      return;
    }
    const subscribed = (await this.socket.emitWithAck('topics:subscribe', {
      topic: mailboxTopic,
      ...(this.options.filter ? { filter: this.options.filter } : {}),
    })) as { ok: true } | { ok: false; error: { code: string; detail: string } };
    if (!subscribed.ok) throw new Error(`${subscribed.error.code}: ${subscribed.error.detail}`);
    // Subscribe first, then sync: anything published in between arrives as a push and is de-duplicated.
    if (this.cursor !== undefined) await this.sync();
    for (const waiter of this.readyWaiters.splice(0)) waiter();
  }

  private async onMail(mail: MailReceived): Promise<void> {
    if (mail.topic !== mailboxTopic) return;
    const decision = onPush(this.cursor, mail.historyId);
    switch (decision.kind) {
      case 'deliver':
        this.cursor = decision.cursor;
        this.hand(mail, 'push');
        return;
      case 'duplicate':
        this.counts.duplicates += 1;
        return;
      case 'gap':
        this.counts.gaps += 1;
        await this.sync();
        // The sync read history up to now, which includes this push unless it was trimmed meanwhile.
        return;
    }
  }

  private async sync(): Promise<void> {
    if (this.cursor === undefined) return;
    for (;;) {
      const reply = (await this.socket.emitWithAck('history:sync', { sinceHistoryId: this.cursor })) as
        ({ ok: true } & SyncReply) | { ok: false; error: { code: string; detail: string } };
      this.counts.syncs += 1;
      if (!reply.ok) {
        if (reply.error.code !== 'HISTORY_EXPIRED')
          throw new Error(`${reply.error.code}: ${reply.error.detail}`);
        await this.fullSync();
        return;
      }
      const merged: { cursor: Cursor; deliver: readonly SyncEvent[] } = applyHistory(
        this.cursor,
        reply.events,
      );
      for (const event of merged.deliver) this.hand(event, 'sync');
      this.cursor = merged.cursor === undefined ? reply.historyId : Math.max(merged.cursor, reply.historyId);
      if (!reply.hasMore) return;
    }
  }

  private hand(
    mail: { historyId: number; messageId: string; subject: string },
    via: HandedMail['via'],
  ): void {
    this.seen.add(mail.messageId);
    this.handed.push({ historyId: mail.historyId, messageId: mail.messageId, subject: mail.subject, via });
  }

  /**
   * History no longer reaches back to the cursor: reload the mailbox, as Gmail
   * clients do. Pages through every retained message oldest first, hands the app
   * the ones it does not have, then continues incrementally from the historyId
   * of the last page (pushes that arrive meanwhile wait in the chain, then are
   * duplicates or one past that cursor).
   */
  private async fullSync(): Promise<void> {
    this.counts.fullSyncs += 1;
    const limit = this.options.fullSyncPageSize ?? 100;
    let afterHistoryId = 0;
    for (;;) {
      const response = await fetch(
        `${this.options.url}/users/${this.options.userId}/messages?afterHistoryId=${afterHistoryId}&limit=${limit}`,
      );
      if (!response.ok) throw new Error(`full sync failed: ${response.status} ${await response.text()}`);
      const page = (await response.json()) as MailboxPage;
      this.counts.fullSyncPages += 1;
      for (const message of newToApp(this.seen, page.messages)) this.hand(message, 'full-sync');
      if (!page.hasMore || page.nextAfterHistoryId === null) {
        this.cursor = page.historyId;
        return;
      }
      afterHistoryId = page.nextAfterHistoryId;
    }
  }
}

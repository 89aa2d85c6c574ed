import type { BackpressurePolicy, OutboxItem } from '../domain/outbox.ts';
import { offer, take } from '../domain/outbox.ts';
import type { Notification } from '../domain/notification.ts';
import type { MailReceived, TopicMessage } from './events.ts';

/** One push, with the notification it came from (for the delivery record) beside what the socket is sent. */
export type Push =
  | { readonly event: 'mail:received'; readonly payload: MailReceived; readonly note: Notification }
  | { readonly event: 'topic:message'; readonly payload: TopicMessage; readonly note: Notification };

/** How the outbox talks to its socket; a small port so the outbox does not depend on socket.io. */
export interface PushPort {
  send(push: Push, acknowledged: () => void): void;
  reportDropped(count: number, total: number): void;
  disconnect(): void;
}

export interface OutboxSettings {
  readonly policy: BackpressurePolicy;
  /** Queued pushes at most (not yet sent). */
  readonly capacity: number;
  /** Pushes sent and not yet acknowledged at most: the client's reading speed paces the rest. */
  readonly window: number;
}

export type PushOutcome = 'sent' | 'queued' | 'disconnected' | 'closed';

/**
 * One socket's flow control: up to `window` pushes in flight, then up to
 * `capacity` queued, then the policy. A client that stops acknowledging (stops
 * reading) only ever costs window + capacity pushes of memory, and only itself waits.
 */
export class SocketOutbox {
  private items: readonly OutboxItem<Push>[] = [];
  private inFlightCount = 0;
  private droppedTotal = 0;
  private unreported = 0;
  private isClosed = false;

  private readonly port: PushPort;
  private settings: OutboxSettings;
  private readonly onDropped: (count: number) => void;

  constructor(port: PushPort, settings: OutboxSettings, onDropped: (count: number) => void) {
    this.port = port;
    this.settings = settings;
    this.onDropped = onDropped;
  }

  get queueDepth(): number {
    return this.items.length;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  /** Blocked: the window is full, so new pushes wait in the queue. */
  get isSlow(): boolean {
    return this.inFlightCount >= this.settings.window;
  }

  reconfigure(settings: OutboxSettings): void {
    this.settings = settings;
    this.pump();
  }

  push(push: Push, coalesceKey: string): PushOutcome {
    if (this.isClosed) return 'closed';
    // The fast path: nothing waiting and room in the window, so no queue at all.
    if (this.items.length === 0 && this.inFlightCount < this.settings.window && this.unreported === 0) {
      this.send(push);
      return 'sent';
    }
    const result = offer(
      this.items,
      { coalesceKey, value: push },
      this.settings.policy,
      this.settings.capacity,
    );
    if (result.kind === 'disconnect') {
      this.close();
      this.port.disconnect();
      return 'disconnected';
    }
    this.items = result.items;
    if (result.dropped > 0) {
      this.droppedTotal += result.dropped;
      this.unreported += result.dropped;
      this.onDropped(result.dropped);
    }
    this.pump();
    return 'queued';
  }

  close(): void {
    this.isClosed = true;
    this.items = [];
  }

  private send(push: Push): void {
    this.inFlightCount += 1;
    this.port.send(push, () => {
      this.inFlightCount -= 1;
      this.pump();
    });
  }

  private pump(): void {
    if (this.isClosed) return;
    // The drop report goes first, so the client hears about the hole before what follows it.
    if (this.unreported > 0 && this.inFlightCount < this.settings.window) {
      this.port.reportDropped(this.unreported, this.droppedTotal);
      this.unreported = 0;
    }
    const room = this.settings.window - this.inFlightCount;
    if (room <= 0 || this.items.length === 0) return;
    const { taken, rest } = take(this.items, room);
    this.items = rest;
    for (const item of taken) this.send(item.value);
  }
}

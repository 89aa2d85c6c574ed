import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { epochNow } from './client-fleet.ts';

/** Delivery latencies (ms) recorded by the bench's clients, and how many arrived. */
export class DeliveryMeter {
  private latencies: number[] = [];
  private isOn = false;

  start(): void {
    this.latencies = [];
    this.isOn = true;
  }

  /** `sentAt` is the publisher's epochNow(): the publisher runs in another process on this machine. */
  record(sentAt: number): void {
    if (this.isOn) this.latencies.push(epochNow() - sentAt);
  }

  stop(): number[] {
    this.isOn = false;
    return this.latencies;
  }

  get count(): number {
    return this.latencies.length;
  }
}

/**
 * Connects `count` socket.io clients to `url`/`namespace`, each acknowledging
 * every push at once (a fast reader) and feeding the meter.
 */
export async function connectClients(options: {
  url: string;
  namespace: string;
  count: number;
  auth?: Record<string, string>;
  event: string;
  sentAtOf: (payload: unknown) => number;
  meter: DeliveryMeter;
}): Promise<Socket[]> {
  const sockets = await Promise.all(
    Array.from({ length: options.count }, async () => {
      const socket = io(`${options.url}${options.namespace}`, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(options.auth ? { auth: options.auth } : {}),
      });
      socket.on(options.event, (payload: unknown, ack?: () => void) => {
        options.meter.record(options.sentAtOf(payload));
        if (typeof ack === 'function') ack();
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return socket;
    }),
  );
  return sockets;
}

/** p-th percentile of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Calls `publish` `perSecond` times a second for `durationMs`, checking the schedule every 10 ms; resolves when all settled. */
export async function paced(
  publish: () => Promise<unknown>,
  perSecond: number,
  durationMs: number,
): Promise<{ sent: number; failed: number; elapsedMs: number }> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let failed = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = performance.now() - started) {
    // Whatever is due by now goes out, so a late timer catches up instead of lowering the rate.
    const due = Math.floor((elapsed / 1000) * perSecond) + 1;
    while (pending.length < due) pending.push(publish().catch(() => (failed += 1)));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
  return { sent: pending.length, failed, elapsedMs: performance.now() - started };
}

import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/events.ts';

// What the experiments need of a running lab: its HTTP API, bare sockets, and mail at a given rate.

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// PUT /backpressure is an admin route: with LAB_ADMIN_TOKEN set, the experiments need it too.
const adminHeader: Record<string, string> = process.env.LAB_ADMIN_TOKEN
  ? { authorization: `Bearer ${process.env.LAB_ADMIN_TOKEN}` }
  : {};

/** One JSON request to the lab; a non-2xx answer throws with its body. */
export async function api(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    // Every request is JSON, a bodiless one too: the service refuses cross-site "simple" requests.
    headers: { 'content-type': 'application/json', ...adminHeader },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Polls `condition` every 20 ms; false when `timeoutMs` passed first. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A bare /notifications socket (no catch-up rules), connected. */
export async function rawSocket(url: string, userId: string): Promise<RawSocket> {
  const socket: RawSocket = io(`${url}/notifications`, {
    auth: { userId },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Publishes `total` mails through `url` at about `perSecond`, in parallel bursts every 20 ms (as a busy mail server would). */
export async function publishBurst(
  url: string,
  userId: string,
  total: number,
  perSecond: number,
  labels: string[] = [],
): Promise<void> {
  const perTick = Math.max(1, Math.round(perSecond / 50));
  for (let sent = 0; sent < total;) {
    const started = Date.now();
    const burst = Math.min(perTick, total - sent);
    await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        api(url, 'POST', `/users/${userId}/messages`, {
          from: 'load@example.com',
          subject: `load ${sent + i + 1}`,
          labels,
        }),
      ),
    );
    sent += burst;
    const wait = 20 - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

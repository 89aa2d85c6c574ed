import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Wall-clock time in ms with sub-ms precision, comparable between processes on one machine. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

type Request =
  | {
      op: 'connect';
      url: string;
      namespace: string;
      count: number;
      auth?: Record<string, string>;
      event: string;
      /** Where a payload carries its send time (epochNow()): `sentAt`, or the mail's subject. */
      clock: 'sentAt' | 'subject';
      /** A topic each client subscribes to once connected. */
      subscribe?: string;
    }
  | { op: 'start' | 'count' | 'stop' | 'close' };

export type FleetRequest = Request & { readonly id: number };
export type FleetReply = { readonly id: number; readonly result?: unknown; readonly error?: string };

/** The bench's clients in a child process (bench/client-process.ts), measuring publish-to-handler latency. */
export class ClientFleet {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: FleetReply) => void>();
  private readonly child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (reply: FleetReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  /** Forks the client process (with this process's tsx loader) and waits until it listens. */
  static async start(): Promise<ClientFleet> {
    const child = fork(fileURLToPath(new URL('./client-process.ts', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the client process exited (${code})`)));
    });
    return new ClientFleet(child);
  }

  private ask<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (reply) =>
        reply.error === undefined ? resolve(reply.result as T) : reject(new Error(reply.error)),
      );
      this.child.send({ ...request, id });
    });
  }

  connect(options: Omit<Extract<Request, { op: 'connect' }>, 'op'>): Promise<number> {
    return this.ask({ op: 'connect', ...options });
  }

  start(): Promise<null> {
    return this.ask({ op: 'start' });
  }

  count(): Promise<number> {
    return this.ask({ op: 'count' });
  }

  /** The latencies (ms) recorded since start(). */
  stop(): Promise<number[]> {
    return this.ask({ op: 'stop' });
  }

  async close(): Promise<void> {
    await this.ask({ op: 'close' });
    this.child.disconnect();
  }
}

import type { z } from 'zod';

/** The state of the app-level link from this service to one Redis node (or peer). */
export type LinkState =
  { readonly mode: 'ok' } | { readonly mode: 'cut' } | { readonly mode: 'slow'; readonly delayMs: number };

/** Something whose link can be cut or slowed by /chaos: the Redis kit's nodes implement it. */
export interface LinkControl {
  readonly name: string;
  linkState(): LinkState;
  setLink(state: LinkState): void;
}

/** A pattern-supplied fault, exposed as `POST /chaos/faults/<name>` (inject) and `DELETE` (heal). */
export interface ChaosFault<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly params?: S;
  inject(params: z.output<S>): unknown;
  heal(): unknown;
  /** What the live view and GET /chaos show about it. */
  state(): unknown;
  /** Error codes inject or heal can throw (e.g. REDIS_UNAVAILABLE), so Swagger UI lists them. */
  readonly errors?: readonly string[];
}

export type ChaosEvent =
  | { kind: 'link'; node: string; state: LinkState }
  | { kind: 'pause'; ms: number }
  | { kind: 'fault'; name: string; action: 'inject' | 'heal'; params?: unknown }
  | { kind: 'heal-all' };

/**
 * Stops this whole process for `ms`, like a stop-the-world GC pause or SIGSTOP:
 * no timers, no I/O, no heartbeats. Atomics.wait blocks the thread without spinning.
 */
export function freezeProcess(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

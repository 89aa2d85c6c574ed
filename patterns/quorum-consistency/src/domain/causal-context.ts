import { emptyClock, fromJSON, toJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';

/**
 * The causal context a read hands out and a write sends back, as Riak's
 * `X-Riak-Vclock`: opaque to the client (base64url of the clock's JSON), so
 * clients pass it on instead of editing it.
 */

/** No honest context counts this many writes to one key. */
const maxCounter = 1_000_000_000;

export type ContextDecoding =
  { readonly ok: true; readonly clock: VectorClock } | { readonly ok: false; readonly reason: string };

/** The opaque form of a clock. */
export function encodeContext(clock: VectorClock): string {
  return btoa(JSON.stringify(toJSON(clock)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Reads a context back; an absent or empty context is the empty clock (a blind write). */
export function decodeContext(context: string | undefined): ContextDecoding {
  if (context === undefined || context === '') return { ok: true, clock: emptyClock() };
  if (!/^[A-Za-z0-9_-]+$/.test(context)) return { ok: false, reason: 'not base64url text' };
  try {
    const json = atob(context.replace(/-/g, '+').replace(/_/g, '/'));
    const clock = fromJSON(JSON.parse(json));
    // Contexts this service hands out count writes and logical ticks: far below this. A forged
    // huge counter would let one write shadow every later one, so it is refused, not trusted.
    const tooLarge = Object.entries(clock).find(
      ([, entry]) => entry.counter > maxCounter || entry.timestamp > maxCounter,
    );
    if (tooLarge) return { ok: false, reason: `the entry for ${tooLarge[0]} is implausibly large` };
    return { ok: true, clock };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'unreadable' };
  }
}

import type { AttemptSummary } from '../domain/attempt-view.ts';

/** The live view's events, shared by the service (emit) and documented for the page (web/lock-view.js). */
export interface LockLiveEvents {
  'lock:acquired': {
    resource: string;
    owner: string;
    instance: string;
    fencingToken: number;
    validityMs: number;
    expiresAtMs: number;
    nodes: readonly string[];
  };
  'lock:extended': { resource: string; owner: string; fencingToken: number; expiresAtMs: number };
  'lock:released': { resource: string; owner: string; fencingToken: number | null };
  'lock:expired': { resource: string; owner: string; fencingToken: number };
  /** One acquire attempt's votes; a waiter's retries only when something changed. */
  'lock:attempt': AttemptSummary;
  'lock:refused': { resource: string; owner: string; code: string; detail: string };
  'queue:joined': { resource: string; waiter: string; owner: string; ticket: number };
  'queue:left': { resource: string; waiter: string; reason: 'granted' | 'timeout' | 'unavailable' | 'error' };
  'resource:written': {
    name: string;
    fencingToken: number;
    accepted: boolean;
    data: string;
    writer: string;
    highestToken: number;
  };
  'node:fault': { node: string; reason: string };
  'nodes:status': readonly { node: string; isUp: boolean; role: 'lock' | 'resource' }[];
  [event: `${string}:${string}`]: unknown;
}

export type LiveEmit = <K extends keyof LockLiveEvents>(event: K, payload: LockLiveEvents[K]) => void;

import type { VectorClockJson } from '@kvs-lab/shared/vector-clock';
import type { AntiEntropyReport } from '../anti-entropy/anti-entropy-report.ts';
import type { QuorumSettings } from '../settings.ts';
import type { FanOut } from './fan-out.ts';
import type { HintBoard } from './hint-board.ts';

/** Every live-view event of this pattern, `entity:action`, with its payload. */
export interface QuorumEventPayloads {
  /** One replica answered (or failed) one write: acknowledgements arriving per request. */
  'replica:acked': { requestId: string; key: string; node: string; ok: boolean };
  'kv:written': {
    requestId: string;
    key: string;
    clock: VectorClockJson;
    isTombstone: boolean;
    ok: boolean;
    acks: number;
    needed: number;
  };
  'kv:read': { requestId: string; key: string; siblings: number; answeredBy: string[]; repaired: string[] };
  'replica:repaired': { key: string; node: string; via: 'read-repair' | 'anti-entropy' };
  'hint:stored': { key: string; target: string; heldBy: string };
  'hint:delivered': { key: string; target: string; heldBy: string };
  'merkle:compared': {
    depth: number;
    pairs: { a: string; b: string; ranges: number[] }[];
    /** Top down: how many tree nodes were compared on each level and how many of them differed. */
    levels: { level: number; compared: number; differing: number }[];
  };
  /** A request's fan-out changed: sent, one more answer, settled. */
  'request:progress': FanOut;
  /** Hints waiting on the replicas and the last ones delivered, seen from the replicas themselves. */
  'hints:board': HintBoard;
  /** A replica stopped or started answering this coordinator. */
  'replicas:status': { node: string; isUp: boolean }[];
  'antientropy:finished': AntiEntropyReport;
  'config:changed': QuorumSettings;
  'tombstone:collected': { key: string };
}

/** The same map in the shape the live-view kit takes. */
export interface QuorumLiveEvents extends QuorumEventPayloads {
  [event: `${string}:${string}`]: unknown;
}

/** What the service needs to tell the live view: a typed emit. */
export type LiveEmit = <K extends keyof QuorumEventPayloads>(
  event: K,
  payload: QuorumEventPayloads[K],
) => void;

import type { MemberState } from '../domain/failure-detector.ts';
import type { Role } from '../domain/election.ts';
import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { VectorClockJson } from '@kvs-lab/shared/vector-clock';

/** What one node tells its live view, `entity:action`. */
export interface RingLiveEvents {
  'node:role': { id: string; role: Role; term: number; leaderId: string | null };
  /** One protocol step's messages this node sent or received, as the trace records them. */
  'protocol:messages': readonly ProtocolMessage[];
  'member:state': { id: string; state: MemberState; heartbeatAgeMs: number };
  'vote:requested': { candidateId: string; term: number };
  'vote:cast': { voter: string; candidateId: string; term: number; granted: boolean };
  'entry:appended': { index: number; term: number; key: string | null; clock: VectorClockJson | null };
  'entry:replicated': { to: string; matchIndex: number };
  'entry:committed': {
    index: number;
    term: number;
    key: string | null;
    value: string | null;
    clock: VectorClockJson | null;
  };
  [event: `${string}:${string}`]: unknown;
}

export type RingEventName = Exclude<keyof RingLiveEvents, number | symbol>;

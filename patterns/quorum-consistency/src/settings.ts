import { majority } from './domain/quorum.ts';
import type { ConflictPolicy } from './domain/versioned-value.ts';

/** What a learner can change at run time with PUT /config; N is fixed by the topology. */
export interface QuorumSettings {
  readonly w: number;
  readonly r: number;
  readonly conflictPolicy: ConflictPolicy;
  /** Hints stored on another live replica count toward W. */
  readonly sloppyQuorum: boolean;
  /** Writes a replica missed are kept as hints and handed over when it answers again. */
  readonly hintedHandoff: boolean;
  /** Reads send surviving versions to the replicas that answered without them. */
  readonly readRepair: boolean;
  /** A write answers once W replicas acknowledged; the others finish (and are hinted) in the background. */
  readonly answerAtQuorum: boolean;
}

/** The lab's defaults for N replicas (what `src/config.ts` gives with no env vars): majority quorums, vector clocks, strict quorum, handoff and read repair on. */
export function defaultSettingsFor(n: number): QuorumSettings {
  return {
    w: majority(n),
    r: majority(n),
    conflictPolicy: 'vector-clock',
    sloppyQuorum: false,
    hintedHandoff: true,
    readRepair: true,
    answerAtQuorum: false,
  };
}

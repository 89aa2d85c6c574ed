/**
 * The router's failure detector: a node is declared dead after
 * `missedPingsToFail` consecutive missed pings, and alive again at its first
 * answered ping. One missed ping is not enough because a loaded machine or a
 * GC pause can drop one; waiting for several trades failover time for fewer
 * false failovers (each of which loses the async writes in flight).
 */

export interface NodeHealth {
  readonly missedPings: number;
  readonly isAlive: boolean;
  /** When the current run of missed pings began (ms), for the failover timeline. */
  readonly downSince: number | undefined;
}

/** A node not yet pinged, or one that just answered: alive, nothing missed. */
export const initialHealth: NodeHealth = { missedPings: 0, isAlive: true, downSince: undefined };

/** The health after one ping answered (`isAnswered`) or not, at `nowMs`. */
export function observePing(
  health: NodeHealth,
  isAnswered: boolean,
  nowMs: number,
  missedPingsToFail: number,
): NodeHealth {
  if (isAnswered) return initialHealth;
  const missedPings = health.missedPings + 1;
  return {
    missedPings,
    isAlive: health.isAlive && missedPings < missedPingsToFail,
    downSince: health.downSince ?? nowMs,
  };
}

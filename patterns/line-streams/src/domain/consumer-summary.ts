/** One consumer's figures on one room's stream, as XINFO CONSUMERS gives them. */
export interface ConsumerFigures {
  readonly name: string;
  readonly pending: number;
  readonly idleMs: number;
}

/**
 * A consumer of the group reads every room, so Redis reports it once per room's
 * stream. Group-wide, its pending entries add up, and its idle time is the
 * smallest one: it was last seen on whichever room it touched most recently.
 */
export function summariseConsumers(
  rooms: readonly { readonly consumers: readonly ConsumerFigures[] }[],
): ConsumerFigures[] {
  const byName = new Map<string, ConsumerFigures>();
  for (const room of rooms) {
    for (const c of room.consumers) {
      const seen = byName.get(c.name);
      byName.set(c.name, {
        name: c.name,
        pending: (seen?.pending ?? 0) + c.pending,
        idleMs: Math.min(seen?.idleMs ?? c.idleMs, c.idleMs),
      });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

import { slotCount } from './hash-slot.ts';

/**
 * Redis Cluster's routing table as a client keeps it: which master (and which replicas) serve each
 * range of hash slots. The cluster is the authority; a client's copy goes stale when slots move or a
 * replica is promoted, and the nodes say so with redirections (MOVED: the slot lives elsewhere now;
 * ASK: this one key is being migrated, ask the importing node once).
 */

/** Nodes are named by address `host:port`, as the cluster itself names them. */
export interface SlotRange {
  readonly start: number;
  readonly end: number;
  readonly master: string;
  readonly replicas: readonly string[];
}

/** Parses a `CLUSTER SLOTS` reply: `[start, end, [host, port, id, ...], [replica host, port, id], ...]`. */
export function parseClusterSlots(reply: unknown): SlotRange[] {
  if (!Array.isArray(reply)) return [];
  const ranges: SlotRange[] = [];
  for (const entry of reply as unknown[]) {
    if (!Array.isArray(entry) || entry.length < 3) continue;
    const [start, end, master, ...replicas] = entry as [number, number, unknown[], ...unknown[][]];
    ranges.push({
      start: Number(start),
      end: Number(end),
      master: `${String(master[0])}:${String(master[1])}`,
      replicas: replicas.map((r) => `${String(r[0])}:${String(r[1])}`),
    });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** The range that holds `slot`, if the map covers it (binary search over ranges sorted by start). */
export function rangeOfSlot(ranges: readonly SlotRange[], slot: number): SlotRange | undefined {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const range = ranges[mid] as SlotRange;
    if (slot < range.start) high = mid - 1;
    else if (slot > range.end) low = mid + 1;
    else return range;
  }
  return undefined;
}

/** Slots each master serves. */
export function slotsPerMaster(ranges: readonly SlotRange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of ranges) counts[r.master] = (counts[r.master] ?? 0) + (r.end - r.start + 1);
  return counts;
}

/** Every slot the map leaves without a master (0 in a healthy cluster). */
export function uncoveredSlots(ranges: readonly SlotRange[]): number {
  return slotCount - Object.values(slotsPerMaster(ranges)).reduce((a, b) => a + b, 0);
}

export type Redirection = { readonly kind: 'moved' | 'ask'; readonly slot: number; readonly address: string };

/** Reads `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381` from an error message. */
export function parseRedirection(message: string): Redirection | undefined {
  const match = /\b(MOVED|ASK) (\d+) (\S+:\d+)/.exec(message);
  if (!match) return undefined;
  const [, kind, slot, address] = match as unknown as [string, 'MOVED' | 'ASK', string, string];
  return { kind: kind === 'MOVED' ? 'moved' : 'ask', slot: Number(slot), address };
}

/**
 * Scale out onto an empty master: it should end with an equal share, 16384 / (n + 1) slots, taken
 * evenly from the n masters, each giving the top of its own slots (so ranges stay few and whole).
 * Returns the slots to move, each with the master that gives it.
 */
export function planScaleOut(ranges: readonly SlotRange[], target: string): { slot: number; from: string }[] {
  const masters = Object.keys(slotsPerMaster(ranges)).filter((m) => m !== target);
  const wanted = Math.floor(slotCount / (masters.length + 1));
  const moves: { slot: number; from: string }[] = [];
  masters.forEach((master, i) => {
    // The remainder goes to the first masters, so the target gets exactly `wanted`.
    const share = Math.floor(wanted / masters.length) + (i < wanted % masters.length ? 1 : 0);
    const owned = ranges
      .filter((r) => r.master === master)
      .flatMap((r) => Array.from({ length: r.end - r.start + 1 }, (_, k) => r.start + k));
    for (const slot of owned.slice(Math.max(0, owned.length - share))) moves.push({ slot, from: master });
  });
  return moves;
}

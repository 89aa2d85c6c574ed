import { inStreamOrder } from './stream-id.ts';

/** An entry a worker holds: read or claimed, not yet settled. */
export interface HeldEntry {
  readonly room: string;
  readonly id: string;
  readonly senderId: string;
  readonly text: string;
}

/**
 * Groups held entries by room, oldest first. Rooms are independent, so one
 * room waiting for an older entry never blocks another; within a room the
 * stream order is the delivery order.
 */
export function orderByRoom(entries: Iterable<HeldEntry>): Map<string, HeldEntry[]> {
  const rooms = new Map<string, HeldEntry[]>();
  for (const entry of entries) {
    const list = rooms.get(entry.room);
    if (list) list.push(entry);
    else rooms.set(entry.room, [entry]);
  }
  for (const [room, list] of rooms) rooms.set(room, inStreamOrder(list));
  return rooms;
}

/** Who gets a message in their inbox: every member but its sender. */
export function recipientsOf(members: readonly string[], senderId: string): string[] {
  return [...new Set(members)].filter((member) => member !== senderId).sort();
}

/**
 * What the live view draws of hinted handoff: hints waiting on a holder for a target replica,
 * and the last deliveries. Hints live on the replicas and either coordinator may deliver them,
 * so a delivery is seen the same way whoever made it: a group of hints that shrank between two
 * looks while its holder answered. A holder that did not answer keeps its last known group.
 */
export interface HintGroup {
  readonly target: string;
  readonly heldBy: string;
  readonly count: number;
  /** The first few keys, for learners. */
  readonly keys: readonly string[];
}

export interface HintDelivery extends HintGroup {
  readonly atMs: number;
}

export interface HintBoard {
  readonly waiting: readonly HintGroup[];
  /** Newest last. */
  readonly delivered: readonly HintDelivery[];
}

export const emptyHintBoard: HintBoard = { waiting: [], delivered: [] };

const groupId = (group: { target: string; heldBy: string }) => `${group.heldBy}>${group.target}`;

/** The board after a new look at the holders: `pending` from those that answered, `silent` holders unknown. */
export function nextHintBoard(
  board: HintBoard,
  look: { pending: readonly HintGroup[]; silent: readonly string[]; atMs: number },
  keepDelivered = 8,
): HintBoard {
  const now = new Map(look.pending.map((group) => [groupId(group), group]));
  const waiting = [
    ...look.pending,
    // What a silent holder held last time is still there, as far as anyone can tell.
    ...board.waiting.filter((group) => look.silent.includes(group.heldBy) && !now.has(groupId(group))),
  ];
  const delivered = board.waiting.flatMap((before): HintDelivery[] => {
    if (look.silent.includes(before.heldBy)) return [];
    const after = now.get(groupId(before));
    const gone = before.count - (after?.count ?? 0);
    if (gone <= 0) return [];
    const left = new Set(after?.keys ?? []);
    return [{ ...before, count: gone, keys: before.keys.filter((key) => !left.has(key)), atMs: look.atMs }];
  });
  return { waiting, delivered: [...board.delivered, ...delivered].slice(-keepDelivered) };
}

/** A holder lost its disk (flush-replica): its hints vanished undelivered, so the next look must not count them. */
export function forgetHolder(board: HintBoard, holder: string): HintBoard {
  return { ...board, waiting: board.waiting.filter((group) => group.heldBy !== holder) };
}

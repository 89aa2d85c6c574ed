// The queue cell of the live view, kept apart from the page so a test can check it.
// A waiter is listed once however many times it was heard of (the queue:joined
// event and the periodic GET /locks both report it). Equal tickets are legal:
// concurrent joiners may draw the same number, and the waiter id breaks the tie,
// so the cell shows the position and says when a tie was broken.

/** Waiters in queue order (ticket, then waiter id), each once. */
export function queueOrder(queue) {
  const byWaiter = new Map();
  for (const w of queue) byWaiter.set(w.waiter, w);
  return [...byWaiter.values()].sort((a, b) =>
    a.ticket === b.ticket ? (a.waiter < b.waiter ? -1 : a.waiter > b.waiter ? 1 : 0) : a.ticket - b.ticket,
  );
}

/** "1. bob #6 → 2. carol #6 (tie: by waiter id)" */
export function queueLabel(queue) {
  const ordered = queueOrder(queue);
  return ordered
    .map((w, i) => {
      const tie = i > 0 && ordered[i - 1].ticket === w.ticket ? ' (tie: by waiter id)' : '';
      return `${i + 1}. ${w.owner} #${w.ticket}${tie}`;
    })
    .join(' → ');
}

// Which sockets the live view draws and what it says of each, kept apart from the page so a
// test can check it. A socket with drops or a queue comes first (that is where the lesson is),
// then by name, so rows do not jump about every second.

const rank = (client) => ((client.dropped ?? 0) > 0 ? 2 : client.queueDepth > 0 ? 1 : 0);

/** The rows to draw (at most `limit`) and a caption that says how many there are in all. */
export function clientRows(clients, limit) {
  const sorted = [...clients].sort(
    (a, b) => rank(b) - rank(a) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0),
  );
  const rows = sorted.slice(0, limit);
  const caption =
    clients.length === 0
      ? 'no sockets'
      : clients.length > limit
        ? `${rows.length} of ${clients.length} sockets, fullest outboxes first`
        : `${clients.length} socket${clients.length === 1 ? '' : 's'}`;
  return { rows, caption };
}

/** Where a client's cursor is against the mailbox's latest historyId, in words and as a state for data-*. */
export function cursorState(position) {
  const { cursor, latest } = position;
  if (latest === null && cursor === null)
    return { state: 'unknown', behind: 0, text: 'mailbox: no mail yet' };
  if (cursor === null) return { state: 'unknown', behind: 0, text: `cursor unknown, latest #${latest}` };
  const behind = Math.max(0, (latest ?? cursor) - cursor);
  return behind > 0
    ? { state: 'behind', behind, text: `cursor #${cursor}, latest #${latest}: ${behind} behind` }
    : { state: 'caught-up', behind: 0, text: `cursor #${cursor} = latest` };
}

/** The last catch-up in words: "sync #1 → #4 (3 from history)". */
export function catchUpText(catchUp) {
  if (!catchUp) return '';
  return catchUp.kind === 'sync'
    ? `sync #${catchUp.fromHistoryId} → #${catchUp.toHistoryId} (${catchUp.count} from history)`
    : `history expired after #${catchUp.fromHistoryId}: full sync to #${catchUp.toHistoryId}`;
}

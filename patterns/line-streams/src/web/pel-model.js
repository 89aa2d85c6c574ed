// What the PEL picture draws, kept apart from the page so a test can check it: one column per
// consumer of the group with its pending entries aged to the moment drawn, which of them a live
// worker may claim, and the claims to draw as arrows between columns.

/** Compares stream ids `<ms>-<seq>` as numbers (as text, "9-0" would sort after "10-0"). */
export function compareIds(a, b) {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am === bm ? as - bs : am - bm;
}

/**
 * A consumer's state as the picture names it. `silent`: it holds entries and has not touched the
 * group for CLAIM_MIN_IDLE_MS (dead, paused or stuck), so its entries are up for a claim. `quiet`:
 * not seen for that long but holding nothing. `active`: seen recently.
 */
export function consumerStatus(consumer, claimMinIdleMs) {
  if (consumer.idleMs < claimMinIdleMs) return 'active';
  return consumer.pending > 0 ? 'silent' : 'quiet';
}

/**
 * One column per consumer (sorted by name; an owner seen only in the PEL counts too), each with at
 * most `perColumn` entries in stream order and the number left out. Idle times are the snapshot's
 * plus `elapsedMs` since it arrived, so bars grow between snapshots as they do in Redis.
 */
export function pelColumns(state, elapsedMs, perColumn) {
  const age = (ms) => ms + Math.max(0, elapsedMs);
  const names = new Set([...state.consumers.map((c) => c.name), ...state.pending.map((p) => p.consumer)]);
  return [...names].sort().map((name) => {
    const figures = state.consumers.find((c) => c.name === name);
    const entries = state.pending
      .filter((p) => p.consumer === name)
      .sort((a, b) => (a.room === b.room ? compareIds(a.id, b.id) : a.room < b.room ? -1 : 1))
      .map((p) => ({
        key: `${p.room}/${p.id}`,
        room: p.room,
        id: p.id,
        deliveries: p.deliveries,
        idleMs: age(p.idleMs),
        isClaimable: age(p.idleMs) >= state.claimMinIdleMs,
      }));
    const pending = figures?.pending ?? entries.length;
    const idleMs = age(figures?.idleMs ?? 0);
    return {
      consumer: name,
      status: consumerStatus({ pending, idleMs }, state.claimMinIdleMs),
      pending,
      idleMs,
      entries: entries.slice(0, perColumn),
      hidden: Math.max(0, pending - Math.min(perColumn, entries.length)),
    };
  });
}

/**
 * The last `count` claims, newest first, with at most one retry (a consumer claiming back its own
 * entry): a poison message retried every few seconds must not push the claim from a dead worker
 * out of the picture.
 */
export function recentClaims(claims, count) {
  const shown = [];
  let hasRetry = false;
  for (const claim of [...claims].reverse()) {
    const isRetry = claim.from === claim.consumer;
    if (isRetry && hasRetry) continue;
    hasRetry ||= isRetry;
    shown.push(claim);
    if (shown.length === count) break;
  }
  return shown;
}

/**
 * "worker-2 claimed 5 of crash from worker-1, delivery 2"; a consumer taking back its own idle entry
 * (a handler that failed and released it) is a retry, and says so.
 */
export function claimLabel(claim) {
  const what =
    claim.ids.length === 1 ? `${claim.room}/${claim.ids[0]}` : `${claim.ids.length} of ${claim.room}`;
  return claim.from === claim.consumer
    ? `${claim.consumer} retried ${what} (claimed back), delivery ${claim.deliveries}`
    : `${claim.consumer} claimed ${what} from ${claim.from}, delivery ${claim.deliveries}`;
}

// The siblings picture's model, kept apart from the page so a test can check it: what each
// replica holds for one key, as branches from the past the surviving versions share.
// A version survives when no other version held anywhere has seen it (its clock descends
// from it); under last-write-wins only the newest one survives and the others are lost.
// A version some survivor has seen is older: it stays drawn on that survivor's branch,
// so a replica that is behind shows where it is.

/** `{quorum-a:2, quorum-b:1}`: the counters only (timestamps are for pruning, not causality). */
export function clockText(clock) {
  const entries = Object.entries(clock ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([actor, entry]) => `${actor}:${entry.counter}`).join(', ')}}`;
}

/** True when `a` has seen every write `b` has: each of b's counters is at most a's. */
export function descends(a, b) {
  return Object.entries(b).every(([actor, entry]) => (a[actor]?.counter ?? 0) >= entry.counter);
}

/** The latest clock both have seen: each actor's smaller counter (the branches' common past). */
function meet(clocks) {
  if (clocks.length === 0) return {};
  const actors = Object.keys(clocks[0]);
  const shared = {};
  for (const actor of actors) {
    const counter = Math.min(...clocks.map((clock) => clock[actor]?.counter ?? 0));
    if (counter > 0) shared[actor] = { counter };
  }
  return shared;
}

/**
 * replicas: [{ node, isUp, versions: [{ value, isTombstone, clock, writtenAt, writer }] }]
 * Returns { base, branches: [{ id, value, isTombstone, clock, holders, state, older }], downReplicas },
 * where state is `only` (one survivor), `sibling` (concurrent survivors) or `lost` (dropped by lww).
 */
export function siblingBranches(replicas, policy = 'vector-clock') {
  const byId = new Map();
  for (const replica of replicas) {
    for (const version of replica.versions) {
      const id = `${clockText(version.clock)}|${version.writtenAt}|${version.writer}`;
      const known = byId.get(id) ?? { ...version, id, holders: [] };
      known.holders.push(replica.node);
      byId.set(id, known);
    }
  }
  const all = [...byId.values()];
  const isOlder = (v) =>
    all.some((w) => w !== v && descends(w.clock, v.clock) && !descends(v.clock, w.clock));
  let survivors = all.filter((v) => !isOlder(v));
  let lost = [];
  if (policy === 'lww' && survivors.length > 1) {
    const newest = survivors.reduce((a, b) => (b.writtenAt > a.writtenAt ? b : a));
    lost = survivors.filter((v) => v !== newest);
    survivors = [newest];
  }
  const older = all.filter(isOlder);
  const state = survivors.length > 1 ? 'sibling' : 'only';
  const branches = [...survivors.map((v) => ({ ...v, state })), ...lost.map((v) => ({ ...v, state: 'lost' }))]
    .sort((a, b) => a.writtenAt - b.writtenAt)
    .map((branch) => ({
      ...branch,
      older: older.filter((v) => descends(branch.clock, v.clock)).sort((a, b) => a.writtenAt - b.writtenAt),
    }));
  return {
    base: meet(branches.map((branch) => branch.clock)),
    branches,
    downReplicas: replicas.filter((replica) => !replica.isUp).map((replica) => replica.node),
  };
}

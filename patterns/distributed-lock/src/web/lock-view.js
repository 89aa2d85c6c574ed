// The distributed-lock live view: the mechanism, drawn with d3.
//   1. Votes: one column per lock node (five for Redlock, the cluster for etcd), one row per
//      acquire attempt on the resource shown, each cell the node's vote.
//   2. The lease: who holds it, its fencing token, the time left as a shrinking bar, and the
//      FIFO queue behind it.
//   3. The resource: every write's fencing token in the order the resource saw them; accepted
//      tokens rise, a stale one is drawn refused (or, with the check off, let through in amber).
// Holder, queue and writes come from GET /locks/{r} and GET /resources/{r}, read on every event
// and each second, so a page opened now and one open all along draw the same thing, whichever
// instance granted the lease. Attempts are this instance's (the snapshot carries the last 40).

/* global d3 */

import { picturePanel, startLab } from '/lab-kit/lab-client.js';
import { neutralTitle, titleFor } from './lock-title.js';
import { queueOrder } from './queue-cell.js';
import { drawTokens } from './token-chart.js';

const attemptsKept = 40;
const attemptRows = 6;
const writesShown = 12;

const state = {
  nodes: new Map(), // name -> { isUp, role }
  attempts: [], // oldest first
  recent: [], // resources, oldest first: the last is shown unless one is pinned
  pinned: '',
  locks: new Map(), // resource -> GET /locks/{r} answer, with seenAtMs
  writes: new Map(), // resource -> GET /resources/{r} answer
};

const touch = (resource) => {
  state.recent = [...state.recent.filter((r) => r !== resource), resource].slice(-20);
};
const shown = () => state.pinned || state.recent.at(-1) || '';

const { view } = startLab({
  title: neutralTitle,
  onSnapshot: (snap) => {
    const title = titleFor(snap);
    document.title = title;
    const heading = document.querySelector('.lab-header h1');
    if (heading) heading.textContent = title;
    state.nodes = new Map(snap.nodes.map((n) => [n.node, n]));
    state.attempts = [...snap.attempts];
    state.recent = [...snap.resources];
    const now = Date.now();
    for (const lock of snap.locks) state.locks.set(lock.resource, { ...lock, seenAtMs: now });
    for (const w of snap.writes) state.writes.set(w.name, w);
    drawAll();
  },
  on: {
    'nodes:status': (list) => {
      for (const n of list) state.nodes.set(n.node, n);
      drawAll();
    },
    'node:fault': ({ node }) => {
      const n = state.nodes.get(node);
      if (n) state.nodes.set(node, { ...n, isUp: false });
      drawAll();
    },
    'lock:attempt': (attempt) => {
      state.attempts.push(attempt);
      state.attempts.splice(0, Math.max(0, state.attempts.length - attemptsKept));
      changed(attempt.resource);
    },
    'lock:acquired': (e) => changed(e.resource),
    'lock:extended': (e) => changed(e.resource),
    'lock:released': (e) => changed(e.resource),
    'lock:expired': (e) => changed(e.resource),
    'queue:joined': (e) => changed(e.resource),
    'queue:left': (e) => changed(e.resource),
    'resource:written': (e) => changed(e.name),
  },
});

// ---- layout: a resource picker, then the three pictures --------------------------------

const picker = document.createElement('select');
picker.id = 'lock-resource';
const pickerLabel = document.createElement('label');
pickerLabel.className = 'lock-picker';
pickerLabel.textContent = 'resource shown ';
pickerLabel.append(picker);
picker.addEventListener('change', () => {
  state.pinned = picker.value;
  void refresh(shown());
  drawAll();
});

const panel = (id, heading) => picturePanel(id, heading, 'lock');
const votesPanel = panel('lock-votes', 'Votes: each attempt, each node');
const leasePanel = panel('lock-lease', 'The lease and the FIFO queue');
const tokensPanel = panel('lock-tokens', 'Fencing tokens at the protected resource');
view.append(pickerLabel, votesPanel.section, leasePanel.section, tokensPanel.section);

const svgIn = (section, label) =>
  d3.select(section).selectAll('svg').data([null]).join('svg').attr('role', 'img').attr('aria-label', label);

// ---- 1. votes -------------------------------------------------------------------------------

const voteText = {
  granted: 'granted',
  held: 'held',
  queued: 'queued',
  recovering: 'recovering',
  unreachable: 'no answer',
};
const outcomeText = (a) => {
  const granted = a.votes.filter((v) => v.vote === 'granted').length;
  switch (a.outcome) {
    case 'granted':
      return `granted ${granted}/${a.votes.length}, token ${a.fencingToken ?? '?'}`;
    case 'queued':
      return 'waits: an earlier ticket goes first';
    case 'held':
      return `refused: ${granted} granted, ${a.needed} needed`;
    case 'unavailable':
      return `503: ${a.votes.filter((v) => v.vote !== 'unreachable' && v.vote !== 'recovering').length} answered, ${a.needed} needed`;
    default:
      return 'too slow: released again';
  }
};

function drawVotes(resource) {
  const lockNodes = [...state.nodes.entries()]
    .filter(([, n]) => n.role !== 'resource')
    .map(([name]) => name)
    .sort();
  const rows = state.attempts
    .filter((a) => a.resource === resource)
    .slice(-attemptRows)
    .reverse();
  const width = Math.max(480, votesPanel.section.clientWidth - 40);
  const labelWidth = 340;
  const rowHeight = 24;
  const top = 40;
  const height = top + Math.max(1, rows.length) * (rowHeight + 4) + 4;
  const x = d3.scaleBand().domain(lockNodes).range([labelWidth, width]).padding(0.08);
  const svg = svgIn(
    votesPanel.section,
    `votes of the last ${rows.length} attempts on ${resource || 'no resource yet'}`,
  )
    .attr('width', width)
    .attr('height', height);

  const heads = svg
    .selectAll('g.lock-node')
    .data(lockNodes, (d) => d)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lock-node');
      g.append('rect').attr('rx', 4);
      g.append('text').attr('class', 'lock-node__name');
      return g;
    })
    .attr('data-node', (d) => d)
    .attr('data-state', (d) => (state.nodes.get(d)?.isUp ? 'up' : 'down'))
    .attr('transform', (d) => `translate(${x(d)},2)`);
  heads
    .select('rect')
    .attr('class', (d) => `lock-node__badge lock-node__badge--${state.nodes.get(d)?.isUp ? 'up' : 'down'}`)
    .attr('width', x.bandwidth())
    .attr('height', 30);
  heads
    .select('text')
    .attr('x', x.bandwidth() / 2)
    .attr('y', 20)
    .attr('text-anchor', 'middle')
    .text((d) => `${d} ${state.nodes.get(d)?.isUp ? 'up' : 'DOWN'}`);

  const rowGroups = svg
    .selectAll('g.lock-attempt')
    .data(rows, (a) => `${a.atMs}|${a.instance}|${a.owner}|${a.outcome}`)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lock-attempt');
      g.append('text').attr('class', 'lock-attempt__who').attr('x', 0).attr('y', 16);
      return g;
    })
    .attr('data-outcome', (a) => a.outcome)
    .attr('transform', (_a, i) => `translate(0,${top + i * (rowHeight + 4)})`);
  rowGroups.select('text.lock-attempt__who').text((a) => `${a.owner} via ${a.instance}: ${outcomeText(a)}`);
  const cells = rowGroups
    .selectAll('g.lock-vote')
    .data(
      (a) => a.votes.filter((v) => x(v.node) !== undefined),
      (v) => v.node,
    )
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lock-vote');
      g.append('rect').attr('rx', 3);
      g.append('text');
      return g;
    })
    .attr('data-node', (v) => v.node)
    .attr('data-vote', (v) => v.vote)
    .attr('transform', (v) => `translate(${x(v.node)},0)`);
  cells
    .select('rect')
    .attr('class', (v) => `lock-vote__cell lock-vote--${v.vote}`)
    .attr('width', x.bandwidth())
    .attr('height', rowHeight);
  cells
    .select('text')
    .attr('x', x.bandwidth() / 2)
    .attr('y', 16)
    .attr('text-anchor', 'middle')
    .text((v) => voteText[v.vote] ?? v.vote);

  const quorum = rows[0]?.needed;
  votesPanel.caption.textContent =
    rows.length === 0
      ? `No attempt on ${resource || 'any resource'} through this instance yet: POST /locks/{resource}.`
      : quorum === 1
        ? "Newest on top. etcd's members agree inside (Raft) and answer as one; a waiter's retries show only when the answer changed."
        : `Newest on top. A lease needs ${quorum} granted votes; a waiter's retries show only when a vote changed.`;
}

// ---- 2. the lease and the queue -------------------------------------------------------------

function drawLease(resource) {
  const lock = state.locks.get(resource);
  const holder = lock?.holder ?? null;
  const leftMs = holder ? Math.max(0, holder.ttlMs - (Date.now() - lock.seenAtMs)) : 0;
  const totalMs = holder ? Math.max(lock.grantedTtlMs ?? 0, holder.ttlMs, 1) : 1;
  const queue = queueOrder(lock?.queue ?? []);
  const width = Math.max(480, leasePanel.section.clientWidth - 40);
  const barWidth = 300;
  const svg = svgIn(
    leasePanel.section,
    holder
      ? `${holder.owner} holds ${resource}, ${(leftMs / 1000).toFixed(1)} s left`
      : `${resource || 'nothing'} is free`,
  )
    .attr('width', width)
    .attr('height', 58);
  const line = svg
    .selectAll('text.lock-holder')
    .data([null])
    .join('text')
    .attr('class', 'lock-holder')
    .attr('x', 0)
    .attr('y', 16);
  line
    .attr('id', 'lock-holder')
    .attr('data-holder', holder?.owner ?? '')
    .text(
      holder && leftMs > 0
        ? `${holder.owner} (via ${holder.instance}) holds ${resource}, fencing token ${holder.fencingToken ?? '?'}, ${(leftMs / 1000).toFixed(1)} s left`
        : `${resource || 'no resource'}: free`,
    );
  svg
    .selectAll('rect.lock-lease__track')
    .data([null])
    .join('rect')
    .attr('class', 'lock-lease__track')
    .attr('x', 0)
    .attr('y', 24)
    .attr('width', barWidth)
    .attr('height', 10)
    .attr('rx', 3);
  svg
    .selectAll('rect.lock-lease__left')
    .data([leftMs])
    .join('rect')
    .attr('class', 'lock-lease__left')
    .attr('x', 0)
    .attr('y', 24)
    .attr('height', 10)
    .attr('rx', 3)
    .attr('width', (ms) => (barWidth * Math.min(ms, totalMs)) / totalMs);
  const chips = svg
    .selectAll('g.lock-waiter')
    .data(queue, (w) => w.waiter)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'lock-waiter');
      g.append('rect').attr('rx', 3).attr('height', 20);
      g.append('text').attr('y', 14).attr('x', 6);
      return g;
    })
    .attr('data-owner', (w) => w.owner)
    .attr('transform', (_w, i) => `translate(${barWidth + 20 + i * 120},16)`);
  chips.select('rect').attr('width', 112);
  chips.select('text').text((w, i) => `${i + 1}. ${w.owner} #${w.ticket}`);
  leasePanel.caption.textContent =
    queue.length === 0
      ? 'Queue: empty.'
      : `Queue: ${queue.length} waiting, served in ticket order across both instances.`;
}

// ---- keeping up to date ---------------------------------------------------------------------

function drawAll() {
  if (!globalThis.d3) return;
  const resource = shown();
  const options = ['', ...[...state.recent].reverse()];
  d3.select(picker)
    .selectAll('option')
    .data(options, (d) => d)
    .join('option')
    .attr('value', (d) => d)
    .text((d) => (d === '' ? `follow the latest (${state.recent.at(-1) ?? 'none yet'})` : d));
  picker.value = state.pinned;
  drawVotes(resource);
  drawLease(resource);
  drawTokens(tokensPanel, resource, state.writes.get(resource), writesShown);
}

async function refresh(resource) {
  if (!resource) return;
  const name = encodeURIComponent(resource);
  try {
    const [lock, writes] = await Promise.all([
      fetch(`/locks/${name}`).then((r) => (r.ok ? r.json() : null)),
      fetch(`/resources/${name}?limit=${writesShown}`).then((r) => (r.ok ? r.json() : null)),
    ]);
    const before = state.locks.get(resource);
    if (lock) {
      // The full lease at its grant, for the bar: the largest time left seen for this holder.
      const sameHolder =
        before?.holder && lock.holder && before.holder.fencingToken === lock.holder.fencingToken;
      const grantedTtlMs = Math.max(lock.holder?.ttlMs ?? 0, sameHolder ? (before.grantedTtlMs ?? 0) : 0);
      state.locks.set(resource, { ...lock, resource, seenAtMs: Date.now(), grantedTtlMs });
    }
    if (writes) state.writes.set(resource, writes);
    drawAll();
  } catch {
    // The service is paused or gone: keep the last picture; the header says so.
  }
}

function changed(resource) {
  touch(resource);
  void refresh(resource);
  drawAll();
}

// The lease bar ticks; the other instance's grants and writes show within a second.
setInterval(() => {
  if (globalThis.d3) drawLease(shown());
}, 250);
setInterval(() => void refresh(shown()), 1000);
window.addEventListener('resize', drawAll);

// The coordinator ring, drawn with d3 from one node's point of view:
//   1. The ring: members on a circle in ring order, coloured by this node's failure detector
//      (alive / suspect / dead), the leader starred with its term, and under each node the term,
//      commit index and last log index it last gossiped.
//   2. Messages: every message this node sends or receives (the ones GET /trace records) as an
//      arrow that fades: AppendEntries heartbeats and their acks, gossip, votes asked and given.
//   3. Elections this node took part in (who asked, who granted), and the newest committed writes.
// The snapshot on connect carries the ring, the recent vote messages and commits, so a page
// opened now draws what one open all along draws; /ring and /status are read twice a second.

/* global d3 */

import { startLab } from '/lab-kit/lab-client.js';
import { electionsFrom } from './election-summary.js';
import { captionFor, neutralTitle, progressText, titleFor } from './ring-caption.js';
import { arrowBetween, nodePositions } from './ring-geometry.js';

const size = { width: 520, height: 390 };
const circle = { cx: 260, cy: 215, radius: 135 };
const nodeRadius = 40;
const votesKept = 80;
const electionsShown = 6;
const arrowsAtOnce = 60;

const state = {
  engine: '',
  ring: { self: '', term: 0, leaderId: null, members: [] },
  status: { role: 'follower', term: 0, leaderId: null, commitIndex: 0 },
  votes: [],
  commits: [],
};

const { view, socket } = startLab({
  title: neutralTitle,
  onSnapshot: (snap) => {
    const title = titleFor(snap);
    document.title = title;
    const heading = document.querySelector('.lab-header h1');
    if (heading) heading.textContent = title;
    state.engine = snap.engine;
    state.ring = snap.ring;
    state.status = snap.status;
    state.votes = [...(snap.votes ?? [])];
    state.commits = [...(snap.commits ?? [])];
    caption.textContent = captionFor(snap);
    drawAll();
  },
  on: {
    'node:role': (p) => {
      state.status = { ...state.status, role: p.role, term: p.term, leaderId: p.leaderId };
      state.ring = { ...state.ring, term: p.term, leaderId: p.leaderId };
      drawRing();
    },
    'member:state': (p) => {
      state.ring = {
        ...state.ring,
        members: state.ring.members.map((m) => (m.id === p.id ? { ...m, state: p.state } : m)),
      };
      drawRing();
    },
    'entry:committed': (p) => {
      if (p.key === null) return;
      state.commits = [p, ...state.commits].slice(0, 12);
      drawCommits();
    },
  },
});
// Messages come many a second: drawn, not written to the event log.
socket.on('protocol:messages', (messages) => {
  for (const m of messages) {
    if (m.kind.startsWith('vote') || m.kind === 'request-vote') state.votes.push(m);
    drawMessage(m);
  }
  if (state.votes.length > votesKept) state.votes.splice(0, state.votes.length - votesKept);
  if (messages.some((m) => m.kind.includes('vote'))) drawElections();
});

// ---- layout -------------------------------------------------------------------------------

const element = (tag, className, text) => {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
};
const caption = element('p', 'ring-caption', '');
caption.id = 'ring-caption';
const layout = element('div', 'ring-layout');
const figure = element('figure', 'ring-figure');
const legend = element('ul', 'ring-legend');
legend.id = 'ring-legend';
const kinds = [
  ['append-entries', 'AppendEntries (heartbeat or entries)'],
  ['append-ack', 'its ack'],
  ['gossip', 'gossip push / reply'],
  ['request-vote', 'RequestVote'],
  ['vote-granted', 'vote granted'],
  ['vote-denied', 'vote denied'],
];
legend.append(
  ...kinds.map(([kind, text]) => {
    const li = element('li', '', text);
    li.prepend(element('span', `ring-swatch ring-swatch--${kind}`));
    return li;
  }),
);
const side = element('div', 'ring-side');
const electionsSection = element('section', 'ring-panel');
electionsSection.id = 'ring-elections';
const electionsHeading = element('h2', '', 'Elections this node took part in');
const electionsNote = element('p', 'ring-note', '');
const electionsTable = element('table', 'ring-table');
const headRow = electionsTable.createTHead().insertRow();
for (const h of ['term', 'candidate', 'granted', 'denied', 'outcome']) headRow.append(element('th', '', h));
const electionsBody = electionsTable.createTBody();
electionsSection.append(electionsHeading, electionsNote, electionsTable);
const commitsSection = element('section', 'ring-panel');
const commitsHeading = element('h2', '', 'Committed writes');
const commitList = element('ol', 'ring-commits');
commitList.id = 'ring-commits';
commitsSection.append(commitsHeading, commitList);
side.append(electionsSection, commitsSection);
layout.append(figure, side);
view.append(caption, layout);

const svg = d3
  .select(figure)
  .append('svg')
  .attr('id', 'ring-svg')
  .attr('viewBox', `0 0 ${size.width} ${size.height}`)
  .attr('role', 'img');
figure.append(legend);
const defs = svg.append('defs');
for (const [kind] of kinds) {
  defs
    .append('marker')
    .attr('id', `ring-arrow-${kind}`)
    .attr('viewBox', '0 0 10 10')
    .attr('refX', 9)
    .attr('refY', 5)
    .attr('markerWidth', 6)
    .attr('markerHeight', 6)
    .attr('orient', 'auto')
    .append('path')
    .attr('d', 'M0,0 L10,5 L0,10 z')
    .attr('class', `ring-arrowhead ring-arrowhead--${kind}`);
}
svg
  .append('circle')
  .attr('class', 'ring-track')
  .attr('cx', circle.cx)
  .attr('cy', circle.cy)
  .attr('r', circle.radius);
const centre = svg.append('g').attr('id', 'ring-term');
centre
  .append('text')
  .attr('class', 'ring-term__term')
  .attr('x', circle.cx)
  .attr('y', circle.cy - 4);
centre
  .append('text')
  .attr('class', 'ring-term__leader')
  .attr('x', circle.cx)
  .attr('y', circle.cy + 20);
const messageLayer = svg.append('g').attr('class', 'ring-messages');
const nodeLayer = svg.append('g').attr('class', 'ring-nodes');

// ---- 1. the ring ----------------------------------------------------------------------------

const positions = () =>
  nodePositions(
    state.ring.members.map((m) => m.id),
    circle,
  );

const roleOf = (member) => {
  if (member.id === state.ring.leaderId) return 'leader';
  if (member.isSelf) return state.status.role === 'leader' ? 'follower' : state.status.role;
  // A dead node's last word may be "leader": it is not one any more as far as this node knows.
  return member.progress?.role === 'candidate' && member.state === 'alive' ? 'candidate' : 'follower';
};

function drawRing() {
  const at = positions();
  const { ring } = state;
  const leader = ring.leaderId;
  svg.attr(
    'aria-label',
    `ring of ${ring.members.length} nodes seen by ${ring.self}: term ${ring.term}, leader ${leader ?? 'none'}`,
  );
  centre.attr('data-term', ring.term).attr('data-leader', leader ?? '');
  centre.select('.ring-term__term').text(`term ${ring.term}`);
  centre.select('.ring-term__leader').text(leader ? `leader ★ ${leader}` : 'no leader known');

  const groups = nodeLayer
    .selectAll('g.ring-node')
    .data(ring.members, (m) => m.id)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'ring-node');
      g.append('circle').attr('r', nodeRadius);
      g.append('text').attr('class', 'ring-node__name').attr('y', -6);
      g.append('text').attr('class', 'ring-node__role').attr('y', 12);
      g.append('text').attr('class', 'ring-node__progress ring-node__progress--term');
      g.append('text').attr('class', 'ring-node__progress ring-node__progress--log');
      return g;
    })
    .attr('data-node', (m) => m.id)
    .attr('data-state', (m) => m.state)
    .attr('data-role', (m) => roleOf(m))
    .attr('data-self', (m) => String(m.isSelf))
    .attr('data-term', (m) => m.progress?.term ?? '')
    .attr('data-commit', (m) => m.progress?.commitIndex ?? '')
    .attr('data-last-log', (m) => m.progress?.lastLogIndex ?? '')
    .attr('class', (m) => `ring-node ring-node--${m.state} ring-node--${roleOf(m)}`)
    .attr('transform', (m) => {
      const p = at.get(m.id) ?? { x: 0, y: 0 };
      return `translate(${p.x},${p.y})`;
    });
  groups.select('.ring-node__name').text((m) => `${m.id === leader ? '★ ' : ''}${m.id}`);
  groups.select('.ring-node__role').text((m) => (m.state === 'alive' ? roleOf(m) : m.state.toUpperCase()));
  // Two short lines outside the ring: above a node in the top half, below one in the bottom half.
  const isTop = (m) => (at.get(m.id)?.y ?? 0) < circle.cy - 1;
  const lines = (m) => {
    // etcd instances do not gossip: only this one's own position is known.
    if (!m.progress && state.engine === 'etcd') return ['', ''];
    const [term, log] = progressText(m.progress).split(' · ');
    return [`${m.isSelf || m.state === 'alive' ? '' : 'last heard: '}${term}`, log ?? ''];
  };
  groups
    .select('.ring-node__progress--term')
    .attr('y', (m) => (isTop(m) ? -nodeRadius - 24 : nodeRadius + 16))
    .text((m) => lines(m)[0]);
  groups
    .select('.ring-node__progress--log')
    .attr('y', (m) => (isTop(m) ? -nodeRadius - 9 : nodeRadius + 31))
    .text((m) => lines(m)[1]);
}

// ---- 2. messages ----------------------------------------------------------------------------

function drawMessage(m) {
  const at = positions();
  const a = at.get(m.from);
  const b = at.get(m.to);
  const kind = kinds.some(([k]) => k === m.kind) ? m.kind : m.kind === 'gossip-reply' ? 'gossip' : '';
  if (!a || !b || !kind) return;
  const isVote = kind.includes('vote');
  // A busy leader's heartbeats are capped on screen; votes are rare and always drawn.
  if (!isVote && messageLayer.node().childElementCount >= arrowsAtOnce) return;
  const line = arrowBetween(a, b, nodeRadius + 2, isVote ? 9 : 4);
  messageLayer
    .append('line')
    .attr('class', `ring-message ring-message--${kind}`)
    .attr('data-kind', m.kind)
    .attr('data-from', m.from)
    .attr('data-to', m.to)
    .attr('x1', line.x1)
    .attr('y1', line.y1)
    .attr('x2', line.x2)
    .attr('y2', line.y2)
    .attr('marker-end', `url(#ring-arrow-${kind})`)
    .attr('opacity', 1)
    .transition()
    .duration(isVote ? 3000 : 900)
    .attr('opacity', 0)
    .remove();
}

// ---- 3. elections and commits ---------------------------------------------------------------

function drawElections() {
  const isEtcd = state.engine === 'etcd';
  electionsSection.hidden = isEtcd;
  legend.hidden = isEtcd;
  if (isEtcd) return;
  const all = electionsFrom(state.votes, state.ring.members.length, state.ring.self);
  const shown = all.slice(0, electionsShown);
  electionsNote.textContent = all.length
    ? `newest ${shown.length} of ${all.length}, from the vote messages ${state.ring.self} sent or received`
    : 'none yet: no vote since this node started (kill the leader to see one)';
  const outcome = (e) => (e.isWon === null ? 'voter' : e.isWon ? 'won' : 'not won');
  d3.select(electionsBody)
    .selectAll('tr')
    .data(shown, (e) => `${e.term}|${e.candidate}`)
    .join('tr')
    .attr('data-term', (e) => e.term)
    .attr('data-candidate', (e) => e.candidate)
    .attr('data-granted', (e) => e.granted.length)
    .attr('data-outcome', outcome)
    .selectAll('td')
    .data((e) => [e.term, e.candidate, e.granted.join(', ') || '—', e.denied.join(', ') || '—', outcome(e)])
    .join('td')
    .text((d) => String(d));
}

function drawCommits() {
  commitsHeading.textContent = `Committed writes: newest ${state.commits.length}, commit index ${state.status.commitIndex}`;
  d3.select(commitList)
    .selectAll('li')
    .data(state.commits, (c) => c.index)
    .join('li')
    .attr('data-key', (c) => c.key)
    .attr('data-index', (c) => c.index)
    .text((c) => {
      const clock = Object.entries(c.clock ?? {})
        .map(([id, e]) => `${id}:${e.counter}`)
        .join(', ');
      return `#${c.index} (term ${c.term}) ${c.key} = ${c.value ?? '(deleted)'} {${clock}}`;
    });
}

function drawAll() {
  drawRing();
  drawElections();
  drawCommits();
}

// Heartbeat ages and the gossiped progress change continuously: read them twice a second.
setInterval(async () => {
  try {
    const [r, s] = await Promise.all([fetch('/ring'), fetch('/status')]);
    if (r.ok) state.ring = await r.json();
    if (s.ok) state.status = await s.json();
    drawRing();
    drawCommits();
  } catch {
    // The node is down or paused: keep the last picture; the header says it is disconnected.
  }
}, 500);

// The ring's own drawing: members on a circle in ring order, coloured by the
// state this node's failure detector gives them, the leader starred, the
// heartbeats travelling, votes and committed writes with their clocks.
// Layout, socket and event log come from the kit's lab-client.js.
import { startLab } from '/lab-kit/lab-client.js';

const svgNs = 'http://www.w3.org/2000/svg';
const size = 360;
const radius = 130;
let ring = { self: '', term: 0, leaderId: null, members: [] };
let status = { role: 'follower', term: 0, leaderId: null };
const commits = [];

const { view, socket } = startLab({
  title: 'coordinator ring',
  onSnapshot: (state) => {
    ring = state.ring;
    status = state.status;
    draw();
  },
  on: {
    'node:role': (p) => {
      status = { ...status, role: p.role, term: p.term, leaderId: p.leaderId };
      ring = { ...ring, term: p.term, leaderId: p.leaderId };
      draw();
    },
    'member:state': (p) => {
      ring = { ...ring, members: ring.members.map((m) => (m.id === p.id ? { ...m, state: p.state } : m)) };
      draw();
    },
    'vote:requested': (p) => flash(p.candidateId, 'vote'),
    'vote:cast': (p) => flash(p.voter, p.granted ? 'vote' : 'refuse'),
    'entry:replicated': (p) => travel(ring.self, p.to, 'entry'),
    'entry:committed': (p) => {
      if (p.key === null) return;
      commits.unshift(p);
      commits.length = Math.min(commits.length, 12);
      drawCommits();
    },
  },
});
// Heartbeats are many: animate them without filling the event log.
socket.on('heartbeat:sent', (p) => travel(p.from, p.to, 'beat'));

const title = document.createElement('p');
title.id = 'ring-term';
const svg = document.createElementNS(svgNs, 'svg');
svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
svg.setAttribute('class', 'ring-svg');
const commitList = document.createElement('ol');
commitList.id = 'ring-commits';
const commitTitle = document.createElement('h2');
commitTitle.textContent = 'Committed writes (newest first)';
view.append(title, svg, commitTitle, commitList);

function position(id) {
  const i = ring.members.findIndex((m) => m.id === id);
  const angle = (2 * Math.PI * i) / Math.max(ring.members.length, 1) - Math.PI / 2;
  return { x: size / 2 + radius * Math.cos(angle), y: size / 2 + radius * Math.sin(angle) };
}

function draw() {
  title.textContent = `this node: ${ring.self} · role ${status.role} · term ${status.term} · leader ${status.leaderId ?? 'none'}`;
  title.dataset.term = String(status.term);
  title.dataset.role = status.role;
  svg.replaceChildren();
  const circle = document.createElementNS(svgNs, 'circle');
  circle.setAttribute('cx', size / 2);
  circle.setAttribute('cy', size / 2);
  circle.setAttribute('r', radius);
  circle.setAttribute('class', 'ring-track');
  svg.append(circle);
  for (const member of ring.members) {
    const { x, y } = position(member.id);
    const group = document.createElementNS(svgNs, 'g');
    const isLeader = member.id === ring.leaderId;
    group.setAttribute(
      'class',
      `ring-node ring-node--${member.state}${isLeader ? ' ring-node--leader' : ''}`,
    );
    group.dataset.node = member.id;
    group.dataset.state = member.state;
    group.dataset.role = isLeader ? 'leader' : member.id === ring.self ? status.role : 'follower';
    const dot = document.createElementNS(svgNs, 'circle');
    dot.setAttribute('cx', x);
    dot.setAttribute('cy', y);
    dot.setAttribute('r', 26);
    const label = document.createElementNS(svgNs, 'text');
    label.setAttribute('x', x);
    label.setAttribute('y', y + 4);
    label.textContent = `${isLeader ? '★ ' : ''}${member.id}`;
    group.append(dot, label);
    svg.append(group);
  }
}

function travel(from, to, kind) {
  if (!ring.members.length) return;
  const a = position(from);
  const b = position(to);
  const dot = document.createElementNS(svgNs, 'circle');
  dot.setAttribute('r', kind === 'entry' ? 6 : 3);
  dot.setAttribute('class', `ring-packet ring-packet--${kind}`);
  dot.setAttribute('cx', a.x);
  dot.setAttribute('cy', a.y);
  svg.append(dot);
  dot.animate([{ transform: 'translate(0,0)' }, { transform: `translate(${b.x - a.x}px, ${b.y - a.y}px)` }], {
    duration: 350,
  }).onfinish = () => dot.remove();
}

function flash(id, kind) {
  const node = svg.querySelector(`[data-node="${id}"]`);
  if (!node) return;
  node.classList.add(`ring-node--${kind}`);
  setTimeout(() => node.classList.remove(`ring-node--${kind}`), 600);
}

function drawCommits() {
  commitList.replaceChildren(
    ...commits.map((c) => {
      const li = document.createElement('li');
      li.dataset.key = c.key;
      const clock = Object.entries(c.clock ?? {})
        .map(([id, e]) => `${id}:${e.counter}`)
        .join(', ');
      li.textContent = `#${c.index} (term ${c.term}) ${c.key} = ${c.value ?? '(deleted)'}  clock {${clock}}`;
      return li;
    }),
  );
}

// Heartbeat ages change continuously: refresh the ring view twice a second.
setInterval(async () => {
  try {
    const [r, s] = await Promise.all([fetch('/ring'), fetch('/status')]);
    if (r.ok) ring = await r.json();
    if (s.ok) status = await s.json();
    draw();
  } catch {
    // The node is down or paused: keep the last picture.
  }
}, 500);

// line-streams live view: each room's stream as a tape (green: effect applied,
// amber: delivered to the group but not yet applied), the group's cursor and
// lag, the PEL per consumer with idle times, dead letters and unread counts.
import { startLab } from '/lab-kit/lab-client.js';

let state;
const fresh = new Set();

const { view, socket } = startLab({
  title: 'line-streams: Redis Streams, consumer groups, PEL, dead letters',
  onSnapshot: (s) => {
    state = s;
    draw();
  },
  on: {
    'message:sent': ({ room, id }) => {
      fresh.add(`${room}/${id}`);
      addToTape(room, id);
    },
    'message:evicted': () => undefined,
    'entry:claimed': ({ consumer, room, ids }) =>
      recent(`${consumer} claimed ${ids.length} of ${room}`, 'claim'),
    'entry:failed': ({ consumer, room, id, deliveries }) =>
      recent(`${consumer} failed ${room}/${id} (delivery ${deliveries})`, 'failed'),
    'entry:dead-lettered': ({ room, id, reason }) =>
      recent(`${room}/${id} dead-lettered (${reason})`, 'dead'),
    'entry:replayed': ({ room, id }) => recent(`replayed into ${room} as ${id}`, 'replay'),
  },
});

// The periodic state refresh redraws without filling the event log (startLab logs its `on` events).
socket.on('streams:state', (s) => {
  state = s;
  draw();
});

// The last recovery events, newest first: claims, failures, dead letters, replays.
const happenings = [];
function recent(text, kind) {
  happenings.unshift({ text, kind });
  happenings.length = Math.min(happenings.length, 10);
  draw();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) node.append(child);
  return node;
}

function compareIds(a, b) {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am === bm ? as - bs : am - bm;
}

function addToTape(room, id) {
  if (!state) return;
  let r = state.rooms.find((x) => x.room === room);
  if (!r) {
    r = { room, length: 0, appliedId: null, lastDeliveredId: null, lag: null, pending: 0, tail: [] };
    state.rooms.push(r);
  }
  if (!r.tail.some((m) => m.id === id)) {
    r.tail = [...r.tail, { id, senderId: '', text: '' }].slice(-12);
    r.length += 1;
  }
  draw();
}

function draw() {
  if (!state) return;
  const rooms = state.rooms.map((r) => {
    const cells = r.tail.map((m) => {
      const applied = r.appliedId && compareIds(m.id, r.appliedId) <= 0;
      const delivered = r.lastDeliveredId && compareIds(m.id, r.lastDeliveredId) <= 0;
      const kind = applied ? 'applied' : delivered ? 'delivered' : 'waiting';
      const key = `${r.room}/${m.id}`;
      return el(
        'div',
        {
          class: `tape__cell tape__cell--${kind}${fresh.has(key) ? ' tape__cell--new' : ''}`,
          'data-entry': key,
        },
        el('div', {}, m.id),
        el('div', { class: 'muted' }, `${m.senderId} ${m.text}`),
      );
    });
    return el(
      'div',
      { class: 'lab-card', 'data-room': r.room },
      el('strong', {}, `room ${r.room}`),
      el(
        'div',
        { class: 'room-meta', 'data-room-meta': r.room },
        `length ${r.length} · last-delivered ${r.lastDeliveredId ?? '-'} · applied ${r.appliedId ?? '-'} · lag ${r.lag ?? '?'} · pending ${r.pending}`,
      ),
      // Focusable, so a keyboard can scroll a tape wider than its card.
      el('div', { class: 'tape', tabIndex: 0, ariaLabel: `room ${r.room}: newest entries` }, ...cells),
    );
  });
  const consumers = el(
    'table',
    { class: 'lab-table' },
    el('tr', {}, el('th', {}, 'consumer'), el('th', {}, 'pending'), el('th', {}, 'idle ms')),
    ...state.consumers.map((c) =>
      el(
        'tr',
        { 'data-consumer': c.name },
        el('td', {}, c.name),
        el('td', {}, String(c.pending)),
        el('td', { class: c.idleMs > 3000 && c.pending > 0 ? 'idle--long' : '' }, String(c.idleMs)),
      ),
    ),
  );
  const pel = el(
    'table',
    { class: 'lab-table' },
    el(
      'tr',
      {},
      el('th', {}, 'entry'),
      el('th', {}, 'owner'),
      el('th', {}, 'idle'),
      el('th', {}, 'deliveries'),
    ),
    ...state.pending.map((p) =>
      el(
        'tr',
        { 'data-pending': `${p.room}/${p.id}` },
        el('td', {}, `${p.room}/${p.id}`),
        el('td', {}, p.consumer),
        el('td', {}, String(p.idleMs)),
        el('td', {}, String(p.deliveries)),
      ),
    ),
  );
  const dead = el(
    'ul',
    { id: 'dead-letters' },
    ...state.deadLetters.map((d) =>
      el('li', { 'data-dead-letter': d.deadLetterId }, `${d.room}/${d.originalId} (${d.reason})`),
    ),
  );
  const unread = el(
    'ul',
    {},
    ...Object.entries(state.unread).map(([user, n]) =>
      el('li', { 'data-unread': user }, `${user}: ${n} unread`),
    ),
  );
  view.replaceChildren(
    ...rooms,
    el(
      'div',
      { class: 'grid' },
      el('div', { class: 'lab-card' }, el('strong', {}, `group ${state.group}: consumers`), consumers),
      el('div', { class: 'lab-card' }, el('strong', {}, 'pending entries (PEL)'), pel),
      el(
        'div',
        { class: 'lab-card' },
        el('strong', { id: 'dead-letter-count' }, `dead letters: ${state.deadLetterCount}`),
        dead,
      ),
      el('div', { class: 'lab-card' }, el('strong', {}, 'inboxes'), unread),
      el(
        'div',
        { class: 'lab-card' },
        el('strong', {}, 'recovery, as it happens'),
        el('ul', { id: 'recovery' }, ...happenings.map((h) => el('li', { 'data-kind': h.kind }, h.text))),
      ),
    ),
  );
}

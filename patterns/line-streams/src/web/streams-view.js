// line-streams live view, drawn with d3:
//   1. The consumer group's pending entries list (PEL), one column per consumer: each entry a bar
//      that grows with its idle time, past the dashed CLAIM_MIN_IDLE_MS line a live worker may
//      claim it; a claim moves the entries to the claimer's column and is drawn as an arrow; the
//      dead letters sit in the last column (pel-picture.js).
//   2. Each room's stream as a tape (green: effect applied; amber: delivered to the group, not yet
//      applied; grey: not yet delivered), with the group's cursor and lag.
//   3. Unread counts and the last recovery events.
// Everything comes from `streams:state` (Redis, read by this instance) and its snapshot on connect,
// so a page opened now draws what one open all along draws.

import { startLab } from '/lab-kit/lab-client.js';
import { claimLabel, compareIds } from './pel-model.js';
import { drawPelPicture } from './pel-picture.js';

let state;
let receivedAt = 0;
const fresh = new Set();
const happenings = [];

const { view, socket } = startLab({
  title: 'line-streams: Redis Streams, consumer groups, PEL, dead letters',
  onSnapshot: (s) => accept(s),
  on: {
    'message:sent': ({ room, id }) => {
      fresh.add(`${room}/${id}`);
      addToTape(room, id);
    },
    'message:evicted': () => undefined,
    'entry:claimed': (claim) => recent(claimLabel(claim), 'claim'),
    'entry:failed': ({ consumer, room, id, deliveries }) =>
      recent(`${consumer} failed ${room}/${id} (delivery ${deliveries})`, 'failed'),
    'entry:dead-lettered': ({ room, id, reason }) =>
      recent(`${room}/${id} dead-lettered (${reason})`, 'dead'),
    'entry:replayed': ({ room, id }) => recent(`replayed into ${room} as ${id}`, 'replay'),
    'worker:crashed': ({ consumer }) => recent(`${consumer} crashed before acking`, 'crash'),
  },
});

// The periodic state refresh redraws without filling the event log (startLab logs its `on` events).
socket.on('streams:state', (s) => accept(s));

function accept(s) {
  state = s;
  receivedAt = Date.now();
  draw();
}

function recent(text, kind) {
  happenings.unshift({ text, kind });
  happenings.length = Math.min(happenings.length, 8);
  drawLists();
}

// ---- layout ---------------------------------------------------------------------------------

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) node.append(child);
  return node;
}

const pelCaption = element('p', { class: 'streams-caption', id: 'pel-caption' });
const pelFigure = element('div', { class: 'pel-figure', id: 'pel-picture' });
const pelPanel = element(
  'section',
  { class: 'streams-panel', id: 'pel-panel', 'aria-label': 'pending entries per consumer' },
  element('h2', {}, 'Pending entries (PEL) per consumer, claims and dead letters'),
  pelCaption,
  pelFigure,
);
const tapesHeading = element('h2', { id: 'tapes-heading' }, 'Rooms');
const tapes = element('div', { class: 'tapes' });
const tapesPanel = element(
  'section',
  { class: 'streams-panel', 'aria-label': 'room streams' },
  tapesHeading,
  tapes,
);
const unread = element('ul', { class: 'plain-list', id: 'unread' });
const recovery = element('ul', { class: 'plain-list', id: 'recovery' });
view.append(
  pelPanel,
  tapesPanel,
  element(
    'div',
    { class: 'grid' },
    element('section', { class: 'streams-panel' }, element('h2', {}, 'Inboxes (the effect)'), unread),
    element(
      'section',
      { class: 'streams-panel' },
      element('h2', {}, 'Recovery since this page opened'),
      recovery,
    ),
  ),
);

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
  drawTapes();
}

// ---- 2. the room tapes -----------------------------------------------------------------------

function drawTapes() {
  if (!state) return;
  tapesHeading.textContent =
    state.roomCount > state.rooms.length
      ? `Rooms: ${state.rooms.length} of ${state.roomCount} streams, newest entries`
      : 'Rooms: each stream, newest entries';
  tapes.replaceChildren(
    ...state.rooms.map((r) => {
      const cells = r.tail.map((m) => {
        const applied = r.appliedId && compareIds(m.id, r.appliedId) <= 0;
        const delivered = r.lastDeliveredId && compareIds(m.id, r.lastDeliveredId) <= 0;
        const kind = applied ? 'applied' : delivered ? 'delivered' : 'waiting';
        const key = `${r.room}/${m.id}`;
        return element(
          'div',
          {
            class: `tape__cell tape__cell--${kind}${fresh.has(key) ? ' tape__cell--new' : ''}`,
            'data-entry': key,
          },
          element('div', {}, m.id),
          element('div', { class: 'tape__text' }, `${m.senderId} ${m.text}`),
        );
      });
      return element(
        'div',
        { class: 'room', 'data-room': r.room },
        element(
          'div',
          { class: 'room-meta', 'data-room-meta': r.room },
          element('strong', {}, `stream:${r.room}`),
          ` length ${r.length} · last-delivered ${r.lastDeliveredId ?? '-'} · applied ${r.appliedId ?? '-'} · lag ${r.lag ?? '?'} · pending ${r.pending}`,
        ),
        // Focusable, so a keyboard can scroll a tape wider than its panel.
        element(
          'div',
          { class: 'tape', tabIndex: 0, 'aria-label': `room ${r.room}: newest entries` },
          ...cells,
        ),
      );
    }),
  );
}

// ---- 3. inboxes and recovery -----------------------------------------------------------------

function drawLists() {
  if (state) {
    unread.replaceChildren(
      ...Object.entries(state.unread).map(([user, n]) =>
        element('li', { 'data-unread': user }, `${user}: ${n} unread`),
      ),
    );
  }
  recovery.replaceChildren(...happenings.map((h) => element('li', { 'data-kind': h.kind }, h.text)));
}

function drawPel() {
  if (state) drawPelPicture(pelFigure, pelCaption, state, Date.now() - receivedAt);
}

function draw() {
  drawPel();
  drawTapes();
  drawLists();
}

// The bars grow between snapshots, as idle times do in Redis.
setInterval(drawPel, 250);
window.addEventListener('resize', drawPel);

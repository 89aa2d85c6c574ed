// gmail-pubsub's live view, the mechanism drawn with d3:
//   1. Sockets: every instance with its connected clients (from presence in Redis). Each client's
//      outbox is drawn as its window (one cell per push in flight, unacknowledged) and its bounded
//      queue filling and draining, with what the policy dropped; below it the client's historyId
//      cursor against the mailbox's latest historyId, and its last catch-up as a span.
//   2. The last notifications this instance fanned out, and how many sockets took each.
//   3. A mailbox client of the page's own, which catches up by historyId after a reconnect with
//      the same rules as src/domain/history-cursor.ts; its socket is marked in picture 1.
// The snapshot on connect carries the presence and the recent fan-outs, so a page opened now
// draws what one open all along draws.

/* global d3, io */

import { startLab } from '/lab-kit/lab-client.js';
import { catchUpText, clientRows, cursorState } from './client-rows.js';

const params = new URLSearchParams(location.search);
const rowsPerInstance = 5;
const fanoutsShown = 8;
let self = '';
let instances = [];
let fanout = [];

const {
  view,
  log,
  socket: live,
} = startLab({
  title: 'gmail-pubsub: Redis Pub/Sub to socket.io, catch-up by historyId',
  onSnapshot: (state) => {
    self = state.instance;
    instances = state.instances;
    fanout = [...(state.fanouts ?? [])];
    drawInstances();
    drawFanout();
  },
  // Only what a learner acts on goes to the events pane; presence (every second) and fan-out are drawn, not logged.
  on: {
    'mail:published': () => undefined,
    'client:connected': () => undefined,
    'client:disconnected': () => undefined,
    'history:synced': () => undefined,
    'history:expired': () => undefined,
    'backpressure:dropped': () => undefined,
    'bus:resubscribed': () => undefined,
  },
});

live.on('instances:updated', (event) => {
  instances = event.instances;
  drawInstances();
});
live.on('notification:fanned-out', (event) => {
  fanout = [event, ...fanout].slice(0, 20);
  drawFanout();
});

const element = (tag, className, text) => {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
};

// ---- layout ---------------------------------------------------------------------------------

const socketsPanel = element('section', 'pubsub-panel');
socketsPanel.id = 'pubsub-sockets';
const legend = element(
  'p',
  'pubsub-caption',
  'Each socket: the window (a cell per push sent and not yet acknowledged), the bounded queue behind it, ' +
    'what the policy dropped, and its historyId cursor against the mailbox’s latest (amber: behind; violet: the last catch-up).',
);
const instancesBox = element('div', 'pubsub-grid');
socketsPanel.append(element('h2', '', 'Sockets: outbox and cursor, per instance'), legend, instancesBox);

const lower = element('div', 'pubsub-lower');
const fanoutPanel = element('section', 'pubsub-panel');
const fanoutBox = element('ol', 'pubsub-fanout');
fanoutPanel.append(element('h2', '', 'Fan-out at this instance (at most 20/s)'), fanoutBox);
const mailboxBox = element('section', 'pubsub-panel pubsub-mailbox');
lower.append(mailboxBox, fanoutPanel);
view.append(socketsPanel, lower);

// ---- 1. sockets ---------------------------------------------------------------------------

const rowHeight = 44;
const labelWidth = 170;

function drawInstances() {
  const ownSocket = socket?.connected ? socket.id : '';
  d3.select(instancesBox)
    .selectAll('article.pubsub-instance')
    .data(instances, (p) => p.instance)
    .join((enter) => {
      const card = enter.append('article').attr('class', 'pubsub-instance');
      card.append('h3');
      card.append('p').attr('class', 'pubsub-caption');
      card.append('svg').attr('role', 'img');
      return card;
    })
    .attr('data-instance', (p) => p.instance)
    .classed('is-self', (p) => p.instance === self)
    .each(function (presence) {
      drawInstance(d3.select(this), presence, ownSocket);
    });
}

function drawInstance(card, presence, ownSocket) {
  const outbox = presence.outbox;
  const { rows, caption } = clientRows(presence.clients, rowsPerInstance);
  card
    .select('h3')
    .text(
      `${presence.instance}${presence.instance === self ? ' (this page)' : ''}: ${presence.sockets} socket${presence.sockets === 1 ? '' : 's'}`,
    );
  card
    .select('p')
    .text(
      outbox
        ? `${caption} · policy ${outbox.policy}, window ${outbox.window}, queue ${outbox.capacity}`
        : `${caption} · no outbox on this engine: socket.io buffers without bound, nothing acknowledged`,
    );
  const width = Math.max(380, card.node().clientWidth - 24);
  const svg = card
    .select('svg')
    .attr('width', width)
    .attr('height', rows.length * rowHeight + 4)
    .attr('aria-label', `${presence.instance}: ${caption}`);
  const row = svg
    .selectAll('g.pubsub-client')
    .data(rows, (c) => c.socketId)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'pubsub-client');
      g.append('rect').attr('class', 'pubsub-client__bg').attr('rx', 4);
      g.append('text').attr('class', 'pubsub-client__name').attr('x', 6).attr('y', 16);
      g.append('text').attr('class', 'pubsub-client__topics').attr('x', 6).attr('y', 34);
      g.append('g').attr('class', 'pubsub-window');
      g.append('rect').attr('class', 'pubsub-queue__track').attr('rx', 2);
      g.append('rect').attr('class', 'pubsub-queue__fill').attr('rx', 2);
      g.append('text').attr('class', 'pubsub-queue__text');
      g.append('g').attr('class', 'pubsub-cursor');
      return g;
    })
    .attr('transform', (_c, i) => `translate(0,${i * rowHeight})`)
    .attr('data-client', (c) => c.socketId)
    .attr('data-node', (c) => c.node)
    .attr('data-user', (c) => c.userId)
    .attr('data-self', (c) => String(c.socketId === ownSocket))
    .attr('data-in-flight', (c) => (c.inFlight === null ? 'n/a' : String(c.inFlight)))
    .attr('data-queue', (c) => String(c.queueDepth))
    .attr('data-dropped', (c) => (c.dropped === null ? 'n/a' : String(c.dropped)))
    .attr('data-cursor', (c) => (c.position.cursor === null ? 'unknown' : String(c.position.cursor)))
    .attr('data-latest', (c) => (c.position.latest === null ? 'unknown' : String(c.position.latest)))
    .attr('data-cursor-state', (c) => cursorState(c.position).state)
    .attr('data-catch-up', (c) =>
      c.position.lastCatchUp
        ? `${c.position.lastCatchUp.kind}:${c.position.lastCatchUp.fromHistoryId}-${c.position.lastCatchUp.toHistoryId}`
        : '',
    );
  row
    .select('rect.pubsub-client__bg')
    .attr('width', width)
    .attr('height', rowHeight - 4)
    .classed('is-own', (c) => c.socketId === ownSocket);
  // A long user name is cut to fit its column; the full name is in the tooltip and in data-node.
  row
    .select('text.pubsub-client__name')
    .text((c) => shortName(`${c.node}${c.socketId === ownSocket ? ' (this page)' : ''}`))
    .append('title')
    .text((c) => c.node);
  row.select('text.pubsub-client__topics').text((c) => c.topics.join(', ') || '(no topics)');

  // The window: one cell per push it may have in flight; filled cells wait for an acknowledgement.
  const right = width - labelWidth - 8;
  const windowSize = outbox?.window ?? 0;
  const cell = windowSize > 0 ? Math.max(2, Math.min(8, Math.floor((right * 0.2) / windowSize))) : 0;
  const windowWidth = cell * windowSize;
  row
    .select('g.pubsub-window')
    .attr('transform', `translate(${labelWidth},5)`)
    .each(function (c) {
      const cells = d3.range(windowSize).map((i) => ({ i, isBusy: c.inFlight !== null && i < c.inFlight }));
      d3.select(this)
        .selectAll('rect')
        .data(cells)
        .join('rect')
        .attr('class', (d) => `pubsub-window__cell${d.isBusy ? ' is-busy' : ''}`)
        .attr('x', (d) => d.i * cell)
        .attr('width', Math.max(1, cell - 1))
        .attr('height', 14);
    });
  const queueX = labelWidth + windowWidth + (windowWidth > 0 ? 8 : 0);
  const queueWidth = Math.max(60, Math.min(220, right * 0.3));
  const capacity = outbox?.capacity ?? 64;
  row
    .select('rect.pubsub-queue__track')
    .attr('x', queueX)
    .attr('y', 5)
    .attr('width', queueWidth)
    .attr('height', 14);
  row
    .select('rect.pubsub-queue__fill')
    .attr('x', queueX)
    .attr('y', 5)
    .attr('height', 14)
    .attr('width', (c) => (queueWidth * Math.min(c.queueDepth, capacity)) / capacity)
    .classed('is-full', (c) => c.queueDepth >= capacity);
  row
    .select('text.pubsub-queue__text')
    .attr('x', queueX + queueWidth + 6)
    .attr('y', 16)
    .attr('class', (c) => `pubsub-queue__text${(c.dropped ?? 0) > 0 ? ' has-drops' : ''}`)
    .text((c) =>
      c.inFlight === null
        ? `buffered ${c.queueDepth}`
        : `${c.inFlight} in flight · queue ${c.queueDepth}${c.dropped ? ` · ${c.dropped} dropped` : ''}`,
    );

  // The cursor: a track from 0 to the mailbox's latest historyId, the cursor on it, the gap behind it.
  row
    .select('g.pubsub-cursor')
    .attr('transform', `translate(${labelWidth},26)`)
    .each(function (c) {
      drawCursor(d3.select(this), c.position, right);
    });
}

const nameChars = 24;
const shortName = (text) => (text.length <= nameChars ? text : `${text.slice(0, nameChars - 1)}…`);

function drawCursor(g, position, width) {
  const trackWidth = Math.max(80, Math.min(240, width * 0.35));
  const latest = Math.max(
    position.latest ?? 0,
    position.cursor ?? 0,
    position.lastCatchUp?.toHistoryId ?? 0,
    1,
  );
  const x = d3.scaleLinear().domain([0, latest]).range([0, trackWidth]);
  const cursor = position.cursor;
  const spans = [
    { kind: 'track', from: 0, to: latest },
    ...(position.lastCatchUp
      ? [{ kind: 'catch-up', from: position.lastCatchUp.fromHistoryId, to: position.lastCatchUp.toHistoryId }]
      : []),
    ...(cursor !== null && cursor < latest ? [{ kind: 'behind', from: cursor, to: latest }] : []),
    // Nothing acknowledged yet: the client may hold anything up to the latest historyId, or nothing.
    ...(cursor === null && position.latest !== null ? [{ kind: 'unknown', from: 0, to: latest }] : []),
  ];
  g.selectAll('rect.pubsub-span')
    .data(spans, (s) => s.kind)
    .join('rect')
    .attr('class', (s) => `pubsub-span pubsub-span--${s.kind}`)
    .attr('x', (s) => x(s.from))
    .attr('y', (s) => (s.kind === 'track' ? 6 : s.kind === 'catch-up' ? 1 : 5))
    .attr('height', (s) => (s.kind === 'track' ? 4 : s.kind === 'catch-up' ? 3 : 6))
    .attr('width', (s) => Math.max(2, x(s.to) - x(s.from)));
  g.selectAll('rect.pubsub-cursor__mark')
    .data(cursor === null ? [] : [cursor])
    .join('rect')
    .attr('class', 'pubsub-cursor__mark')
    .attr('x', (h) => x(h) - 2)
    .attr('y', 0)
    .attr('width', 4)
    .attr('height', 16);
  const words = [cursorState(position).text, catchUpText(position.lastCatchUp)].filter(Boolean).join(' · ');
  g.selectAll('text')
    .data([words])
    .join('text')
    .attr('class', 'pubsub-cursor__text')
    .attr('x', trackWidth + 8)
    .attr('y', 12)
    .text((t) => t);
}

// ---- 2. fan-out -----------------------------------------------------------------------------

function drawFanout() {
  d3.select(fanoutBox)
    .selectAll('li')
    .data(fanout.slice(0, fanoutsShown))
    .join('li')
    .attr('class', null)
    .text(
      (e) =>
        `${e.topic} #${e.position} → ${e.accepted === null ? '?' : e.accepted} socket${e.accepted === 1 ? '' : 's'} at ${e.instance}`,
    );
  if (fanout.length === 0)
    fanoutBox.replaceChildren(element('li', 'pubsub-caption pubsub-empty', 'nothing routed here yet'));
}

// ---- 3. the page's own mailbox client ------------------------------------------------------

const userInput = element('input');
userInput.value = params.get('user') ?? 'alice';
userInput.id = 'mailbox-user';
userInput.size = 12;
const userLabel = element('label', 'pubsub-user-label', 'user ');
userLabel.htmlFor = 'mailbox-user';
const button = (id, text) => {
  const b = element('button', '', text);
  b.id = id;
  b.type = 'button';
  return b;
};
const connectButton = button('mailbox-connect', 'connect');
const disconnectButton = button('mailbox-disconnect', 'disconnect');
const sendButton = button('mailbox-send', 'send a test mail');
const cursorLine = element('p', '', 'historyId: none yet');
cursorLine.id = 'mailbox-cursor';
const mailsCaption = element('p', 'pubsub-caption', '');
const mails = element('ol', 'pubsub-mail');
mails.id = 'mailbox-mails';
mails.setAttribute('aria-label', 'mails handed to the app, newest first');
const mailsShown = 30;
let mailsHanded = 0;
const controls = element('div', 'pubsub-controls');
controls.append(userLabel, userInput, connectButton, disconnectButton, sendButton);
mailboxBox.append(
  element('h2', '', 'A mailbox client on this instance'),
  controls,
  cursorLine,
  mailsCaption,
  mails,
);

let socket;
let cursor;
let chain = Promise.resolve();
const enqueue = (step) => {
  chain = chain.then(step).catch((error) => log(`mailbox: ${error.message}`, 'fault'));
};

// The messageIds the page holds: a full sync hands over only the others.
const seen = new Set();

function hand(mail, via) {
  cursor = mail.historyId;
  seen.add(mail.messageId);
  mailsHanded += 1;
  cursorLine.textContent = `historyId: ${cursor}`;
  const line = element(
    'li',
    via === 'push' ? '' : 'via-sync',
    `#${mail.historyId} ${mail.from}: ${mail.subject} (${via}) `,
  );
  line.append(element('code', 'pubsub-message-id', mail.messageId));
  line.dataset.historyId = String(mail.historyId);
  line.dataset.messageId = mail.messageId;
  line.dataset.via = via;
  mails.prepend(line);
  while (mails.children.length > mailsShown) mails.lastChild.remove();
  mailsCaption.textContent =
    mailsHanded > mailsShown ? `newest ${mailsShown} of ${mailsHanded} mails` : `${mailsHanded} mails`;
}

// History no longer reaches the cursor: page through every retained message (oldest first), hand over the unseen.
async function fullSync() {
  let after = 0;
  let count = 0;
  for (;;) {
    const response = await fetch(`/users/${userInput.value}/messages?afterHistoryId=${after}&limit=100`);
    if (!response.ok) throw new Error(`full sync: ${response.status}`);
    const page = await response.json();
    for (const message of page.messages) {
      if (seen.has(message.messageId)) continue;
      hand(message, 'full-sync');
      count += 1;
    }
    if (!page.hasMore) {
      cursor = page.historyId;
      cursorLine.textContent = `historyId: ${cursor} (full sync: history expired)`;
      log(`mailbox: history expired, full sync to ${cursor}: ${count} retained mails loaded`, 'fault');
      return;
    }
    after = page.nextAfterHistoryId;
  }
}

async function sync() {
  if (cursor === undefined) return;
  for (;;) {
    const reply = await socket.emitWithAck('history:sync', { sinceHistoryId: cursor });
    if (!reply.ok) {
      if (reply.error.code !== 'HISTORY_EXPIRED') throw new Error(reply.error.detail);
      await fullSync();
      return;
    }
    const fresh = reply.events.filter((e) => e.historyId > cursor);
    for (const event of fresh) hand(event, 'sync');
    log(`mailbox: synced ${fresh.length} from history`);
    if (!reply.hasMore) return;
  }
}

function connect() {
  if (socket) socket.disconnect();
  socket = io('/notifications', { auth: { userId: userInput.value }, transports: ['websocket'] });
  socket.on('connect', () =>
    enqueue(async () => {
      const ack = await socket.emitWithAck('topics:subscribe', { topic: 'mailbox' });
      if (!ack.ok) throw new Error(ack.error.detail);
      mailboxBox.dataset.connected = 'true';
      await sync();
    }),
  );
  socket.on('disconnect', () => {
    mailboxBox.dataset.connected = 'false';
  });
  socket.on('mail:received', (mail, ack) =>
    enqueue(async () => {
      if (cursor === undefined || mail.historyId === cursor + 1) hand(mail, 'push');
      else if (mail.historyId > cursor) await sync();
      if (typeof ack === 'function') ack();
    }),
  );
  socket.on('history:gap', () => enqueue(sync));
  socket.on('backpressure:dropped', ({ count }) => log(`mailbox: ${count} pushes dropped`, 'fault'));
}

connectButton.addEventListener('click', connect);
disconnectButton.addEventListener('click', () => socket?.disconnect());
sendButton.addEventListener('click', () =>
  fetch(`/users/${userInput.value}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: 'page@example.com', subject: `sent from ${self}`, labels: [] }),
  }),
);
// A region that scrolls must take keyboard focus (axe: scrollable-region-focusable): the kit's events pane too.
for (const scrolling of [mails, document.querySelector('aside.lab-log')]) {
  if (scrolling) scrolling.tabIndex = 0;
}
window.addEventListener('resize', drawInstances);
drawFanout();
if (params.get('connect') === '1') connect();

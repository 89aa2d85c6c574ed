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

/* global d3 */

import { startLab } from '/lab-kit/lab-client.js';
import { mountMailboxPanel } from './mailbox-panel.js';
import { drawInstance } from './sockets-picture.js';

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

// ---- 1. sockets (sockets-picture.js) -------------------------------------------------------

function drawInstances() {
  const ownSocket = mailbox.ownSocketId();
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
      drawInstance(d3.select(this), presence, { self, ownSocket, rowsPerInstance });
    });
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

// ---- 3. the page's own mailbox client (mailbox-panel.js) -------------------------------------

const mailbox = mountMailboxPanel(mailboxBox, {
  user: params.get('user') ?? 'alice',
  log,
  self: () => self,
});

// A region that scrolls must take keyboard focus (axe: scrollable-region-focusable): the kit's events pane too.
for (const scrolling of [mailbox.mails, document.querySelector('aside.lab-log')]) {
  if (scrolling) scrolling.tabIndex = 0;
}
window.addEventListener('resize', drawInstances);
drawFanout();
if (params.get('connect') === '1') mailbox.connect();

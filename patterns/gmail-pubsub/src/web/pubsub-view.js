// gmail-pubsub's live view: both instances with their clients and queues (from
// presence in Redis), notifications fanning out, and a mailbox client of its
// own that catches up by historyId after a reconnect, as the pattern teaches.
import { startLab } from '/lab-kit/lab-client.js';

/* global io */

const params = new URLSearchParams(location.search);
let self = '';
let capacity = 64;
const fanout = [];

const {
  view,
  log,
  socket: live,
} = startLab({
  title: 'gmail-pubsub: Redis Pub/Sub to socket.io, catch-up by historyId',
  onSnapshot: (state) => {
    self = state.instance;
    if (state.stats) capacity = state.stats.backpressure.capacity;
    drawInstances(state.instances);
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

live.on('instances:updated', ({ instances }) => drawInstances(instances));
live.on('notification:fanned-out', (event) => {
  fanout.unshift(event);
  fanout.length = Math.min(fanout.length, 20);
  drawFanout();
});

const element = (tag, className, text) => {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
};

const instancesBox = element('div', 'pubsub-grid');
const fanoutBox = element('ol', 'pubsub-fanout');
const mailboxBox = element('section', 'lab-card pubsub-mailbox');
view.append(element('h2', '', 'Instances and their clients'), instancesBox);
view.append(element('h2', '', 'Fan-out (this instance, at most 20/s)'), fanoutBox, mailboxBox);

function drawInstances(instances) {
  instancesBox.replaceChildren(
    ...instances.map((presence) => {
      const card = element(
        'article',
        `lab-card pubsub-instance${presence.instance === self ? ' is-self' : ''}`,
      );
      card.dataset.instance = presence.instance;
      card.append(
        element(
          'h3',
          '',
          `${presence.instance}${presence.instance === self ? ' (this page)' : ''}: ${presence.sockets} sockets`,
        ),
      );
      for (const client of presence.clients) {
        const row = element('div', 'pubsub-client');
        row.dataset.client = client.socketId;
        row.dataset.user = client.userId;
        const bar = element('div', `pubsub-queue${client.queueDepth >= capacity ? ' is-full' : ''}`);
        const fill = element('span');
        fill.style.width = `${Math.min(100, (100 * client.queueDepth) / capacity)}%`;
        bar.append(fill);
        row.append(
          element('strong', '', client.userId),
          element('span', '', client.topics.join(', ') || '(no topics)'),
          element('span', '', `queue ${client.queueDepth}`),
          bar,
          element('span', '', `in flight ${client.inFlight ?? 'n/a'}`),
          element('span', 'pubsub-dropped', `dropped ${client.dropped ?? 'n/a'}`),
        );
        card.append(row);
      }
      return card;
    }),
  );
}

function drawFanout() {
  fanoutBox.replaceChildren(
    ...fanout.map((e) =>
      element('li', '', `${e.instance} ${e.topic} ${e.source}#${e.position} -> ${e.accepted} sockets`),
    ),
  );
}

// A mailbox client in the page: the same rules as src/domain/history-cursor.ts.
const userInput = element('input');
userInput.value = params.get('user') ?? 'alice';
userInput.id = 'mailbox-user';
const connectButton = element('button', '', 'connect');
connectButton.id = 'mailbox-connect';
const disconnectButton = element('button', '', 'disconnect');
disconnectButton.id = 'mailbox-disconnect';
const sendButton = element('button', '', 'send a test mail');
sendButton.id = 'mailbox-send';
const cursorLine = element('p', '', 'historyId: none yet');
cursorLine.id = 'mailbox-cursor';
const mails = element('ol', 'pubsub-mail');
mails.id = 'mailbox-mails';
const controls = element('div', 'pubsub-controls');
controls.append(userInput, connectButton, disconnectButton, sendButton);
mailboxBox.append(element('h3', '', 'A mailbox client on this instance'), controls, cursorLine, mails);

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
if (params.get('connect') === '1') connect();

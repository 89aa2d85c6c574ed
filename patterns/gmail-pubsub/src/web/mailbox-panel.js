// The live view's own mailbox client: connect as a user, hand mail to "the app" with the same catch-up
// rules as src/domain/history-cursor.ts (a push one past the cursor is handed over, a jump syncs from
// history, HISTORY_EXPIRED pages through a full sync), and send test mail.

/* global io */

const element = (tag, className, text) => {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
};

/**
 * Fills `mailboxBox` with the client's controls and its list of mails; `log` writes the kit's events pane,
 * `self()` names this instance. Answers the socket id of the page's own client, when connected.
 */
export function mountMailboxPanel(mailboxBox, { user, log, self }) {
  const userInput = element('input');
  userInput.value = user;
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
      body: JSON.stringify({ from: 'page@example.com', subject: `sent from ${self()}`, labels: [] }),
    }),
  );

  return {
    connect,
    mails,
    ownSocketId: () => (socket?.connected ? socket.id : ''),
  };
}

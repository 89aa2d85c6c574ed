// The lab's shared browser client: page layout, connection status, an event
// log, and socket.io wiring. A pattern's page imports it and only draws its
// own state. Plain ES module, no build step, so learners can read it as is.

/* global io */

import { startTrace } from './lab-trace.js';

const maxLogLines = 200;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * One picture of a pattern's page: a titled section with a caption line under the heading, which the
 * pattern fills with words for what the picture shows now. `prefix` names the CSS classes
 * (`<prefix>-panel`, `<prefix>-caption`) so each pattern styles its own.
 * Returns { section, heading, caption }.
 */
export function picturePanel(id, headingText, prefix) {
  const section = element('section', `${prefix}-panel`);
  section.id = id;
  const heading = element('h2', '', headingText);
  const caption = element('p', `${prefix}-caption`);
  section.append(heading, caption);
  return { section, heading, caption };
}

/**
 * Builds the layout and connects to the service's /live namespace.
 * handlers: { onSnapshot(state), on: { 'entity:action': (payload) => void } }
 * Returns { view, socket, log(text) }: `view` is the element the pattern draws into.
 */
export function startLab({ title, onSnapshot, on = {} }) {
  document.title = title;
  const header = element('header', 'lab-header');
  const heading = element('h1', '', title);
  const instance = element('span', 'lab-instance', '');
  const status = element('span', 'lab-status lab-status--down', 'connecting');
  status.id = 'lab-status';
  const links = element('nav', 'lab-links');
  links.innerHTML =
    '<a href="/docs" target="_blank">Swagger UI</a> <a href="/chaos" target="_blank">chaos</a> <a href="/readyz" target="_blank">readyz</a>';
  header.append(heading, instance, status, links);

  const main = element('main', 'lab-main');
  const view = element('section', 'lab-view');
  view.id = 'lab-view';
  const aside = element('aside', 'lab-log');
  // Scrollable regions must be reachable from the keyboard (axe: scrollable-region-focusable).
  aside.tabIndex = 0;
  aside.setAttribute('aria-label', 'event log');
  aside.append(element('h2', '', 'Events'));
  const logList = element('ol', '');
  logList.id = 'lab-log';
  aside.append(logList);
  main.append(view, aside);
  document.body.append(header, main);
  startTrace(document.body);

  function log(text, kind = 'event') {
    const line = element('li', `lab-log__${kind}`);
    const time = new Date().toLocaleTimeString();
    line.textContent = `${time} ${text}`;
    logList.prepend(line);
    while (logList.children.length > maxLogLines) logList.lastChild.remove();
  }

  const socket = io('/live', { transports: ['websocket', 'polling'] });
  socket.on('connect', () => {
    status.textContent = 'live';
    status.className = 'lab-status lab-status--up';
  });
  socket.on('disconnect', (reason) => {
    status.textContent = `disconnected (${reason})`;
    status.className = 'lab-status lab-status--down';
    log(`disconnected: ${reason}`, 'fault');
  });
  socket.on('lab:hello', ({ service, instance: name }) => {
    instance.textContent = `${service} · ${name}`;
  });
  socket.on('state:snapshot', (state) => onSnapshot?.(state));
  socket.on('chaos:changed', (event) => log(`chaos ${JSON.stringify(event)}`, 'fault'));
  for (const [event, handler] of Object.entries(on)) {
    socket.on(event, (payload) => {
      log(`${event} ${JSON.stringify(payload)}`);
      handler(payload);
    });
  }
  return { view, socket, log };
}

// The sockets picture of gmail-pubsub's live view: one card per instance, one row per client with its
// outbox (the window of pushes in flight, the bounded queue, what the policy dropped) and its historyId
// cursor against the mailbox's latest, with its last catch-up as a span.

/* global d3 */

import { catchUpText, clientRows, cursorState } from './client-rows.js';

const rowHeight = 44;
const labelWidth = 170;

export function drawInstance(card, presence, { self, ownSocket, rowsPerInstance }) {
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

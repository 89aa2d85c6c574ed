// The main picture: the coordinator's latest request fanning out to the N replicas, each
// arrow labelled with the replica's answer in the order it arrived, and a meter of the
// acknowledgements with the W (or R) threshold marked. Beside each replica, the hints waiting
// for it (and on which replica they wait), and the last ones delivered when it came back.

/* global d3 */

const rowHeight = 50;
const boxHeight = 36;
const top = 30;
const coordinatorWidth = 190;
const replicaWidth = 150;

const verb = { write: 'PUT', delete: 'DELETE', read: 'GET' };
const ordinal = (n) => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
const sendText = (send) =>
  ({
    ack: `${ordinal(send.order ?? 0)} ack`,
    sent: 'sent, waiting',
    unreachable: 'unreachable',
    timeout: 'timed out',
    'not-asked': 'not asked',
  })[send.status] ?? send.status;
const short = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A one-line account of the request, for the heading and the svg's label. */
export function requestSummary(request) {
  if (!request) return 'No request yet: PUT /kv/{key} or GET /kv/{key} through this coordinator.';
  const threshold = request.kind === 'read' ? 'R' : 'W';
  const state =
    request.outcome === 'reached'
      ? 'quorum reached'
      : request.outcome === 'failed'
        ? 'quorum NOT reached (503)'
        : 'waiting';
  return `${verb[request.kind]} ${request.key} via ${request.coordinator}: ${request.acks} of ${threshold}=${request.needed} ${request.kind === 'read' ? 'answers' : 'acknowledgements'}, ${state}`;
}

/**
 * Draws into `container` (an element holding one svg). `replicas`: [{ node, isUp }];
 * `request`: a fan-out (see src/realtime/fan-out.ts) or undefined; `board`: { waiting, delivered }.
 */
export function drawFanOut(container, { replicas, request, board, coordinator }) {
  const width = Math.max(560, container.clientWidth);
  const height = top + replicas.length * rowHeight + 8;
  const replicaX = Math.round(width * 0.4);
  const hintX = replicaX + replicaWidth + 16;
  const y = (i) => top + i * rowHeight;
  const middle = top + (replicas.length * rowHeight) / 2 - 8;

  const svg = d3
    .select(container)
    .selectAll('svg')
    .data([null])
    .join((enter) => {
      const s = enter.append('svg');
      s.append('defs')
        .selectAll('marker')
        .data(['ack', 'failed', 'sent', 'not-asked'])
        .join('marker')
        .attr('id', (d) => `qc-arrow-${d}`)
        .attr('viewBox', '0 0 10 10')
        .attr('refX', 9)
        .attr('refY', 5)
        .attr('markerWidth', 7)
        .attr('markerHeight', 7)
        .attr('orient', 'auto')
        .append('path')
        .attr('class', (d) => `qc-arrowhead qc-arrowhead--${d}`)
        .attr('d', 'M0,0L10,5L0,10z');
      return s;
    })
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', requestSummary(request))
    .attr('data-request', request?.requestId ?? '')
    .attr('data-key', request?.key ?? '')
    .attr('data-acks', request?.acks ?? 0)
    .attr('data-needed', request?.needed ?? 0)
    .attr('data-outcome', request?.outcome ?? 'none');

  svg
    .selectAll('text.qc-fanout__title')
    .data([null])
    .join('text')
    .attr('class', `qc-fanout__title qc-fanout__title--${request?.outcome ?? 'none'}`)
    .attr('x', 0)
    .attr('y', 16)
    .text(requestSummary(request));

  // The coordinator, and under it the meter: one slot per replica, filled in the order acks arrived.
  const coord = svg
    .selectAll('g.qc-coordinator')
    .data([coordinator])
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-coordinator');
      g.append('rect').attr('rx', 5).attr('width', coordinatorWidth).attr('height', 40);
      g.append('text')
        .attr('x', coordinatorWidth / 2)
        .attr('y', 25)
        .attr('text-anchor', 'middle');
      return g;
    })
    .attr('transform', `translate(0,${middle - 30})`);
  coord.select('text').text((d) => `${d} (coordinator)`);

  const slots = replicas.map((_, i) => i);
  const meter = svg
    .selectAll('g.qc-meter')
    .data([null])
    .join('g')
    .attr('class', 'qc-meter')
    .attr('transform', `translate(0,${middle + 22})`);
  meter
    .selectAll('rect.qc-meter__slot')
    .data(slots)
    .join('rect')
    .attr('class', (i) => `qc-meter__slot${request && i < request.acks ? ' qc-meter__slot--filled' : ''}`)
    .attr('x', (i) => i * 22)
    .attr('y', 0)
    .attr('width', 18)
    .attr('height', 18)
    .attr('rx', 2);
  const needed = request?.needed ?? 0;
  meter
    .selectAll('line.qc-meter__threshold')
    .data(needed > 0 ? [needed] : [])
    .join('line')
    .attr('class', 'qc-meter__threshold')
    .attr('x1', (w) => w * 22 - 2)
    .attr('x2', (w) => w * 22 - 2)
    .attr('y1', -6)
    .attr('y2', 24);
  meter
    .selectAll('text.qc-meter__label')
    .data([null])
    .join('text')
    .attr('class', 'qc-meter__label')
    .attr('x', 0)
    .attr('y', 40)
    .text(
      request
        ? `${request.kind === 'read' ? 'R' : 'W'}=${needed}: ${request.outcome === 'reached' ? 'reached' : request.outcome === 'failed' ? 'not reached' : 'not yet'}`
        : '',
    );

  // One arrow per replica, from the coordinator to it, with its answer.
  const sends = replicas.map((replica, i) => ({
    ...replica,
    i,
    send: request?.sends.find((s) => s.node === replica.node) ?? { node: replica.node, status: 'none' },
  }));
  const family = (status) =>
    status === 'ack'
      ? 'ack'
      : status === 'sent'
        ? 'sent'
        : status === 'unreachable' || status === 'timeout'
          ? 'failed'
          : 'not-asked';
  const arrows = svg
    .selectAll('g.qc-send')
    .data(request ? sends : [], (d) => d.node)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-send');
      g.append('path');
      g.append('text').attr('text-anchor', 'middle');
      return g;
    })
    .attr('data-node', (d) => d.node)
    .attr('data-status', (d) => d.send.status)
    .attr('data-order', (d) => d.send.order ?? '');
  const from = { x: coordinatorWidth, y: middle - 10 };
  arrows
    .select('path')
    .attr('class', (d) => `qc-send__line qc-send--${family(d.send.status)}`)
    .attr('marker-end', (d) => `url(#qc-arrow-${family(d.send.status)})`)
    .attr('d', (d) => {
      const to = { x: replicaX - 4, y: y(d.i) + boxHeight / 2 };
      const bend = (from.x + to.x) / 2;
      return `M${from.x},${from.y}C${bend},${from.y} ${bend},${to.y} ${to.x},${to.y}`;
    });
  arrows
    .select('text')
    .attr('class', (d) => `qc-send__label qc-send__label--${family(d.send.status)}`)
    .attr('x', (from.x + replicaX) / 2 + 30)
    .attr('y', (d) => (from.y + y(d.i) + boxHeight / 2) / 2 + (d.i < replicas.length / 2 ? -4 : 12))
    .text((d) => sendText(d.send));

  // The replicas.
  const boxes = svg
    .selectAll('g.qc-replica')
    .data(replicas, (d) => d.node)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-replica');
      g.append('rect').attr('rx', 5).attr('width', replicaWidth).attr('height', boxHeight);
      g.append('text')
        .attr('x', replicaWidth / 2)
        .attr('y', 23)
        .attr('text-anchor', 'middle');
      return g;
    })
    .attr('data-node', (d) => d.node)
    .attr('data-state', (d) => (d.isUp ? 'up' : 'down'))
    .attr('transform', (_d, i) => `translate(${replicaX},${y(i)})`);
  boxes.select('rect').attr('class', (d) => `qc-replica__box qc-replica__box--${d.isUp ? 'up' : 'down'}`);
  boxes.select('text').text((d) => `${d.node}${d.isUp ? '' : ' DOWN'}`);

  // Hints: waiting ones on their target's row (amber), then the last delivery to it (green).
  const rowOf = new Map(replicas.map((r, i) => [r.node, i]));
  const lastDelivered = new Map();
  for (const d of board.delivered) lastDelivered.set(`${d.heldBy}>${d.target}`, d);
  const chips = [
    ...board.waiting.map((h) => ({ ...h, state: 'waiting' })),
    ...[...lastDelivered.values()]
      .filter((d) => !board.waiting.some((w) => w.target === d.target && w.heldBy === d.heldBy))
      .map((d) => ({ ...d, state: 'delivered' })),
  ].filter((h) => rowOf.has(h.target));
  const perRow = new Map();
  const placed = chips.map((chip) => {
    const slot = perRow.get(chip.target) ?? 0;
    perRow.set(chip.target, slot + 1);
    return { ...chip, slot };
  });
  const chipWidth = Math.max(200, width - hintX);
  const hints = svg
    .selectAll('g.qc-hint')
    .data(
      placed.filter((chip) => chip.slot < 2),
      (h) => `${h.state}|${h.heldBy}>${h.target}`,
    )
    .join((enter) => {
      const g = enter.append('g').attr('class', 'qc-hint');
      g.append('rect').attr('rx', 3).attr('height', 17);
      g.append('text').attr('x', 6).attr('y', 13);
      return g;
    })
    .attr('data-target', (h) => h.target)
    .attr('data-held-by', (h) => h.heldBy)
    .attr('data-state', (h) => h.state)
    .attr('data-count', (h) => h.count)
    .attr('transform', (h) => `translate(${hintX},${y(rowOf.get(h.target)) + h.slot * 19})`);
  hints
    .select('rect')
    .attr('class', (h) => `qc-hint__chip qc-hint__chip--${h.state}`)
    .attr('width', chipWidth);
  const chipChars = Math.floor((chipWidth - 12) / 7.3);
  hints.select('text').text((h) => {
    const keys = h.keys.length > 0 ? `: ${h.keys.join(', ')}` : '';
    const text =
      h.state === 'waiting'
        ? `${h.count} hint${h.count === 1 ? '' : 's'} waiting on ${h.heldBy}${keys}`
        : `${h.count} hint${h.count === 1 ? '' : 's'} delivered from ${h.heldBy}${keys}`;
    return short(text, chipChars);
  });
  svg
    .selectAll('text.qc-hint__none')
    .data(chips.length === 0 ? [null] : [])
    .join('text')
    .attr('class', 'qc-hint__none')
    .attr('x', hintX)
    .attr('y', top + 12)
    .text('No hints waiting.');
}

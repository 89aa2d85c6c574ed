// The shard router's live view: the ring with its virtual nodes coloured by
// shard, each shard's master/replica with lag, the rebalance as keys move,
// failovers as they happen, and the hot keys. Layout and socket come from the kit.
import { startLab } from '/lab-kit/lab-client.js';

const colors = ['#3b7ddd', '#e07b39', '#3aa76d', '#9b59b6', '#c0392b', '#16a085'];
const state = {
  ring: null,
  shards: [],
  failovers: [],
  rebalance: null,
  hotKeys: { top: [], mitigation: 'off' },
};

const { view } = startLab({
  title: 'sharding-replica: consistent hashing, replicas, failover',
  onSnapshot: (snapshot) => {
    state.ring = snapshot.ring;
    state.shards = snapshot.shards;
    state.failovers = snapshot.failovers;
    state.rebalance = snapshot.rebalance;
    state.hotKeys = snapshot.hotKeys;
    draw();
  },
  on: {
    'ring:changed': (ring) => {
      state.ring = ring;
      draw();
    },
    'shards:status': ({ shards }) => {
      state.shards = shards;
      draw();
    },
    'shard:failover': (event) => {
      state.failovers = [...state.failovers, event];
      draw();
    },
    'shard:rejoined': () => undefined,
    'rebalance:progress': (rebalance) => {
      state.rebalance = rebalance;
      draw();
    },
    'hotkeys:updated': (hotKeys) => {
      state.hotKeys = hotKeys;
      draw();
    },
    'autoscale:triggered': () => undefined,
  },
});

function colorOf(shardId) {
  const n = Number(shardId.replace('shard-', '')) - 1;
  return colors[n % colors.length];
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'style') node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function drawRing() {
  const size = 300;
  const c = size / 2;
  const svg = svgEl('svg', { width: size, height: size, id: 'sr-ring' });
  svg.append(svgEl('circle', { cx: c, cy: c, r: 120, fill: 'none', stroke: '#ccc', 'stroke-width': 2 }));
  for (const point of state.ring?.points ?? []) {
    const angle = (point.position / 2 ** 32) * 2 * Math.PI - Math.PI / 2;
    svg.append(
      svgEl('line', {
        x1: c + 112 * Math.cos(angle),
        y1: c + 112 * Math.sin(angle),
        x2: c + 128 * Math.cos(angle),
        y2: c + 128 * Math.sin(angle),
        stroke: colorOf(point.shard),
        'stroke-width': 1.5,
      }),
    );
  }
  const legend = el('div', { id: 'sr-shares' });
  for (const [shard, share] of Object.entries(state.ring?.shares ?? {})) {
    legend.append(
      el(
        'div',
        { style: `color:${colorOf(shard)}`, 'data-share': shard },
        `${shard}: ${(share * 100).toFixed(1)} %`,
      ),
    );
  }
  const caption = el(
    'div',
    { class: 'sr-muted' },
    `${state.ring?.virtualNodes ?? '?'} virtual nodes per shard`,
  );
  return el('div', {}, svg, caption, legend);
}

function nodeLine(node, label) {
  const alive = node.isAlive ? 'up' : `down (${node.missedPings} missed pings)`;
  return el(
    'div',
    { class: `sr-node ${node.isAlive ? '' : 'sr-node--dead'}`, 'data-role': label },
    el('span', {}, `${label}: ${node.name}`),
    el('span', { class: 'sr-muted' }, `${alive} · off ${node.offset ?? '?'}`),
  );
}

function drawShards() {
  const grid = el('div', { class: 'sr-shards' });
  for (const shard of state.shards) {
    const card = el('div', {
      class: 'sr-shard',
      'data-shard': shard.id,
      'data-state': shard.state,
      style: `--sr-color:${colorOf(shard.id)}`,
    });
    card.append(el('h3', {}, `${shard.id} · ${shard.state}`));
    card.append(nodeLine(shard.master, 'master'));
    if (shard.replica) card.append(nodeLine(shard.replica, 'replica'));
    const lag = shard.lagBytes === undefined ? 'lag ?' : `lag ${shard.lagBytes} B`;
    const paused = shard.isReplicationPaused ? ' · replication cut' : '';
    card.append(
      el(
        'div',
        { class: 'sr-muted' },
        `${shard.keys ?? '?'} keys · ${shard.opsPerSecond} ops/s · ${lag}${paused}`,
      ),
    );
    grid.append(card);
  }
  return grid;
}

function drawRebalance() {
  const r = state.rebalance;
  const section = el('div', { class: 'sr-section', id: 'sr-rebalance' }, el('h2', {}, 'Rebalance'));
  if (!r) {
    section.append(el('div', { class: 'sr-muted' }, 'none yet: POST /shards adds the standby shard'));
    return section;
  }
  const planned = r.planned ?? 0;
  const pct = planned === 0 ? (r.status === 'done' ? 100 : 0) : Math.round((r.keysMoved / planned) * 100);
  section.append(
    el(
      'div',
      { 'data-status': r.status },
      `#${r.id} ${r.kind} ${r.shard} (${r.trigger}): ${r.status}, ${r.keysMoved} of ${r.planned ?? '?'} keys moved, ${r.errors} errors`,
    ),
    el('div', { class: 'sr-bar' }, el('div', { style: `width:${pct}%` })),
  );
  return section;
}

function drawFailovers() {
  const section = el('div', { class: 'sr-section' }, el('h2', {}, 'Failovers'));
  const list = el('ol', { id: 'sr-failovers' });
  for (const f of state.failovers) {
    list.append(
      el(
        'li',
        { 'data-failover': f.shard },
        `${f.shard}: ${f.from} → ${f.to} after ${f.failoverMs ?? '?'} ms (${f.reason})`,
      ),
    );
  }
  if (state.failovers.length === 0)
    list.append(el('li', { class: 'sr-muted' }, 'none: kill a master to see one'));
  section.append(list);
  return section;
}

function drawHotKeys() {
  const section = el(
    'div',
    { class: 'sr-section', id: 'sr-hotkeys' },
    el('h2', {}, `Hot keys (mitigation: ${state.hotKeys.mitigation})`),
  );
  const top = state.hotKeys.top ?? [];
  const max = Math.max(1, ...top.map((t) => t.estimate));
  for (const t of top) {
    section.append(
      el(
        'div',
        { class: 'sr-hot', 'data-hotkey': t.key },
        el('span', {}, `${t.isHot ? '🔥 ' : ''}${t.key}`),
        el('div', { class: 'sr-bar' }, el('div', { style: `width:${(t.estimate / max) * 100}%` })),
        el('span', { class: 'sr-muted' }, String(t.estimate)),
      ),
    );
  }
  return section;
}

function draw() {
  view.replaceChildren(
    el(
      'div',
      { class: 'sr-grid' },
      drawRing(),
      el('div', {}, drawShards(), drawRebalance(), drawFailovers(), drawHotKeys()),
    ),
  );
}

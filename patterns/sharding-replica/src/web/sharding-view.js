// The shard router's live view, drawn with d3:
//   1. the ring: arcs and virtual nodes coloured by shard (on Redis Cluster, the slot map);
//   2. the shards as master → replica pairs with the replication lag; a node missing pings turns
//      amber, a dead one red, and a failover redraws the promoted replica as the master;
//   3. a rebalance as keys flowing from the shards that give them to the one that takes them;
//   4. the hot keys as bars, and the failovers so far.
// The snapshot on connect carries all of it, so a page opened now draws what one open all along does.

import { picturePanel, startLab } from '/lab-kit/lab-client.js';
import { drawHotKeys } from './hot-key-chart.js';
import { drawPairs } from './pairs-picture.js';
import { drawRebalance } from './rebalance-picture.js';
import { drawRing, drawShares } from './ring-picture.js';
import { applyFailover } from './shard-pairs.js';

const failoversShown = 5;

const state = {
  engine: 'router',
  missedPingsToFail: 3,
  ring: null,
  shards: [],
  failovers: [],
  rebalance: null,
  hotKeys: { top: [], mitigation: 'off' },
};

const { view } = startLab({
  title: 'sharding-replica: consistent hashing, replicas, failover',
  onSnapshot: (snapshot) => {
    Object.assign(state, snapshot);
    drawAll();
  },
  on: {
    'ring:changed': (ring) => {
      state.ring = ring;
      drawAll();
    },
    'shards:status': ({ shards }) => {
      state.shards = shards;
      drawAll();
    },
    'shard:failover': (event) => {
      state.failovers = [...state.failovers, event];
      state.shards = applyFailover(state.shards, event);
      drawAll();
    },
    'shard:rejoined': () => undefined,
    'rebalance:progress': (rebalance) => {
      state.rebalance = rebalance;
      drawAll();
    },
    'hotkeys:updated': (hotKeys) => {
      state.hotKeys = hotKeys;
      drawAll();
    },
    'autoscale:triggered': () => undefined,
  },
});

// The kit's event log and the trace details scroll: a keyboard user must be able to reach them.
for (const [selector, label] of [
  ['aside.lab-log', 'event log'],
  ['#lab-trace-details', 'details of the chosen trace event'],
]) {
  const region = document.querySelector(selector);
  region?.setAttribute('tabindex', '0');
  region?.setAttribute('aria-label', label);
}

const panel = (id, heading) => picturePanel(id, heading, 'sr');

const ringPanel = panel('sr-ring-panel', 'Hash ring');
const shares = document.createElement('ul');
shares.id = 'sr-shares';
const ringFigure = document.createElement('div');
ringPanel.section.append(ringFigure, shares);
const pairsPanel = panel('sr-pairs-panel', 'Shards: master → replica');
const rebalancePanel = panel('sr-rebalance', 'Rebalance: keys moving');
const hotPanel = panel('sr-hotkeys', 'Hot keys');
const failoverPanel = panel('sr-failovers', 'Failovers');
const failoverTable = document.createElement('table');
failoverPanel.section.append(failoverTable);

const top = document.createElement('div');
top.className = 'sr-top';
top.append(ringPanel.section, pairsPanel.section);
const bottom = document.createElement('div');
bottom.className = 'sr-bottom';
bottom.append(rebalancePanel.section, hotPanel.section, failoverPanel.section);
view.append(top, bottom);

function drawFailovers() {
  const shown = state.failovers.slice(-failoversShown).reverse();
  failoverPanel.caption.textContent =
    state.failovers.length === 0
      ? `None yet: kill a master (pnpm lab kill sharding-replica ${state.shards[0]?.master.name ?? 'shard-1-master'}) to see one.`
      : `${shown.length} of ${state.failovers.length}, newest first.`;
  const rows = [
    ['shard', 'old master', 'promoted', 'took', 'why'],
    ...shown.map((f) => [
      f.shard,
      f.from,
      f.to,
      f.failoverMs === undefined ? '?' : `${f.failoverMs} ms`,
      f.reason,
    ]),
  ];
  failoverTable.replaceChildren(
    ...rows.map((cells, i) => {
      const tr = document.createElement('tr');
      if (i > 0) tr.dataset.failover = cells[0];
      for (const text of cells) {
        const cell = document.createElement(i === 0 ? 'th' : 'td');
        cell.textContent = text;
        tr.append(cell);
      }
      return tr;
    }),
  );
}

function drawAll() {
  if (!globalThis.d3) return;
  const isSlotMap = state.engine === 'cluster';
  ringPanel.heading.textContent = isSlotMap ? 'Slot map (Redis Cluster)' : 'Hash ring';
  ringPanel.caption.textContent = isSlotMap
    ? 'Each arc a slot range, coloured by the shard whose master serves it.'
    : 'A key belongs to the first virtual node clockwise of its hash.';
  drawRing(ringFigure, state);
  drawShares(shares, state.ring);
  const dead = state.shards.filter((s) => !s.master.isAlive).map((s) => s.id);
  pairsPanel.caption.textContent =
    dead.length > 0
      ? `${dead.join(', ')}: master dead, writes refused until its replica is promoted.`
      : `Writes go to the master, eventual reads to the replica. ${state.engine === 'router' ? `${state.missedPingsToFail} missed pings declare a node dead.` : `Failover decided by ${state.engine === 'cluster' ? 'Redis Cluster' : 'Sentinel'}.`}`;
  drawPairs(pairsPanel.section, state);
  drawRebalance(rebalancePanel.section, rebalancePanel.caption, state.rebalance);
  drawHotKeys(hotPanel.section, hotPanel.caption, state.hotKeys);
  drawFailovers();
}

window.addEventListener('resize', drawAll);

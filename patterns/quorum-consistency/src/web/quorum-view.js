// The quorum lab's drawing: the settings, the acknowledgements of the latest
// writes, the hints waiting on replicas and the last Merkle comparison on
// top, then a searchable, paged table of keys with what each replica holds.
// Layout, socket and the event log come from the kit's lab-client.js.
import { startLab } from '/lab-kit/lab-client.js';

const pageSize = 40;
const state = {
  replicas: [],
  settings: undefined,
  n: 0,
  acks: new Map(),
  hints: [],
  table: { total: 0, matching: 0, offset: 0, keys: [] },
  search: '',
  merkle: null,
  flashKey: undefined,
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// The page's parts are built once, so the search box keeps its focus while the rest redraws.
const header = el('p', 'qc-panel');
header.id = 'qc-settings';
const acks = el('section', 'qc-card');
acks.id = 'qc-acks';
const hints = el('section', 'qc-card');
hints.id = 'qc-hints';
const merkle = el('section', 'qc-card');
merkle.id = 'qc-merkle';
const panels = el('div', 'qc-panels');
panels.append(acks, hints, merkle);

const search = el('input', 'qc-search');
search.type = 'search';
search.placeholder = 'Search keys';
search.setAttribute('aria-label', 'Search keys');
search.id = 'qc-search';
const count = el('span', 'qc-count');
count.id = 'qc-count';
const previous = el('button', 'qc-button', 'Previous');
const next = el('button', 'qc-button', 'Next');
const toolbar = el('div', 'qc-toolbar');
toolbar.append(search, previous, next, count);
const table = el('table', 'qc-table');
table.id = 'qc-keys';

const { view } = startLab({
  title: 'quorum-consistency: N replicas, W + R > N',
  onSnapshot: (snapshot) => {
    state.n = snapshot.n;
    state.settings = snapshot.settings;
    state.replicas = snapshot.replicas;
    state.table = snapshot.keyTable;
    state.hints = snapshot.hints;
    // A page opened after a round shows that round, not "no run yet".
    state.merkle = snapshot.antiEntropy;
    view.replaceChildren(header, panels, toolbar, table);
    draw();
  },
  on: {
    'replica:acked': ({ requestId, key, node, ok }) => {
      const entry = state.acks.get(requestId) ?? { key, nodes: [] };
      entry.nodes.push({ node, ok });
      state.acks.set(requestId, entry);
      while (state.acks.size > 5) state.acks.delete(state.acks.keys().next().value);
      drawAcks();
    },
    'kv:written': ({ key }) => refreshTable(key),
    'replica:repaired': ({ key }) => refreshTable(key),
    'hint:stored': () => void refreshHints(),
    'hint:delivered': ({ key }) => {
      void refreshHints();
      refreshTable(key);
    },
    'tombstone:collected': ({ key }) => refreshTable(key),
    'merkle:compared': (compared) => {
      state.merkle = { ...(state.merkle ?? {}), compared };
      drawMerkle();
    },
    'antientropy:finished': (report) => {
      state.merkle = { ...(state.merkle ?? {}), report };
      drawMerkle();
      refreshTable();
    },
    'config:changed': (settings) => {
      state.settings = settings;
      drawSettings();
    },
  },
});

search.addEventListener('input', () => {
  state.search = search.value;
  state.table = { ...state.table, offset: 0 };
  refreshTable();
});
previous.addEventListener('click', () => {
  state.table = { ...state.table, offset: Math.max(0, state.table.offset - pageSize) };
  refreshTable();
});
next.addEventListener('click', () => {
  state.table = { ...state.table, offset: state.table.offset + pageSize };
  refreshTable();
});

// Many writes in a burst refresh the page once.
let refreshTimer;
function refreshTable(flashKey) {
  if (flashKey) state.flashKey = flashKey;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    const query = new URLSearchParams({ offset: String(state.table.offset), limit: String(pageSize) });
    if (state.search) query.set('q', state.search);
    const response = await fetch(`/keys?${query}`);
    if (!response.ok) return;
    state.table = await response.json();
    for (const row of state.table.keys) {
      for (const replica of row.replicas) {
        const known = state.replicas.find((r) => r.node === replica.node);
        if (known) known.isUp = replica.isUp;
      }
    }
    drawTable();
  }, 150);
}

async function refreshHints() {
  const response = await fetch('/hints');
  if (!response.ok) return;
  state.hints = (await response.json()).pending;
  drawHints();
}

const clockText = (clock) =>
  `{${Object.entries(clock)
    .map(([node, entry]) => `${node}:${entry.counter}`)
    .join(', ')}}`;

function draw() {
  drawSettings();
  drawAcks();
  drawHints();
  drawMerkle();
  drawTable();
}

function drawSettings() {
  const settings = state.settings;
  header.textContent = settings
    ? `N=${state.n} W=${settings.w} R=${settings.r} (${settings.w + settings.r > state.n ? 'W+R>N: quorums overlap' : 'W+R<=N: stale reads possible'}) · ${settings.conflictPolicy} · sloppy quorum ${settings.sloppyQuorum ? 'on' : 'off'} · hinted handoff ${settings.hintedHandoff ? 'on' : 'off'} · read repair ${settings.readRepair ? 'on' : 'off'} · answer at ${settings.answerAtQuorum ? 'W' : 'N'}`
    : '';
}

function drawAcks() {
  acks.replaceChildren(el('h2', '', 'Latest writes: acknowledgements'));
  if (state.acks.size === 0) acks.append(el('p', 'qc-note', 'No write yet.'));
  for (const [requestId, { key, nodes }] of state.acks) {
    const row = el('div', 'qc-ack-row');
    row.dataset.request = requestId;
    row.append(el('span', 'qc-ack-key', key));
    for (const { node, ok } of nodes)
      row.append(el('span', ok ? 'qc-ok' : 'qc-fail', `${node} ${ok ? 'ack' : 'missed'}`));
    acks.append(row);
  }
}

function drawHints() {
  hints.replaceChildren(el('h2', '', 'Hints waiting on replicas'));
  hints.append(
    el(
      'p',
      '',
      state.hints.length === 0
        ? 'Hints: none pending'
        : `Hints: ${state.hints.map((h) => `${h.count} for ${h.target} held by ${h.heldBy}`).join('; ')}`,
    ),
  );
}

function drawMerkle() {
  merkle.replaceChildren(el('h2', '', 'Merkle anti-entropy: last round'));
  const report = state.merkle?.report;
  const compared = state.merkle?.compared;
  if (!report && !compared) {
    merkle.append(
      el('p', 'qc-note', 'No anti-entropy round yet (POST /anti-entropy, or the background loop).'),
    );
    return;
  }
  if (compared) {
    // Deep trees are drawn at 256 cells: a cell lights up if any range under it differs.
    const shown = Math.min(compared.depth, 8);
    const ranges = new Set(compared.pairs.flatMap((pair) => pair.ranges));
    const cells = new Set([...ranges].map((range) => range >> (compared.depth - shown)));
    merkle.append(el('p', '', `${ranges.size} leaf ranges differ (of ${2 ** compared.depth})`));
    const grid = el('div', 'qc-ranges');
    grid.setAttribute('role', 'img');
    grid.setAttribute('aria-label', `${cells.size} of ${2 ** shown} cells hold a differing range`);
    for (let i = 0; i < 2 ** shown; i++)
      grid.append(el('span', `qc-range${cells.has(i) ? ' qc-range--differs' : ''}`));
    merkle.append(grid);
  }
  if (report) {
    merkle.append(
      el(
        'p',
        'qc-note',
        `${report.replicasCompared.join(', ')} compared${report.replicasSkipped.length > 0 ? ` (${report.replicasSkipped.join(', ')} did not answer: left out)` : ''}: ${report.rangesCompared} tree nodes read, ${report.keysListed} keys listed, ${report.keysRepaired} keys repaired; ${report.bytesMoved.toLocaleString('en')} bytes on the wire vs ${report.fullCopyBytes.toLocaleString('en')} for a full copy`,
      ),
    );
  }
}

function drawTable() {
  const { total, matching, offset, keys } = state.table;
  const shown = keys.length;
  count.textContent =
    `${shown} of ${matching}` +
    (state.search ? ` matching "${state.search}" (${total} keys in all)` : ' keys') +
    (shown > 0 ? `, from #${offset + 1}` : '');
  previous.disabled = offset === 0;
  next.disabled = offset + shown >= matching;

  const head = el('thead');
  const headRow = el('tr');
  headRow.append(el('th', '', 'key'));
  for (const replica of state.replicas) {
    const cell = el('th', replica.isUp ? '' : 'qc-down', `${replica.node}${replica.isUp ? '' : ' (down)'}`);
    cell.dataset.replica = replica.node;
    headRow.append(cell);
  }
  head.append(headRow);
  const body = el('tbody');
  for (const { key, replicas } of keys) {
    const row = el('tr', key === state.flashKey ? 'qc-flash' : '');
    row.dataset.key = key;
    const name = el('th', 'qc-key', key);
    name.scope = 'row';
    row.append(name);
    for (const replica of state.replicas) {
      const held = replicas.find((r) => r.node === replica.node);
      const versions = held?.versions ?? [];
      const cell = el('td', 'qc-key');
      cell.dataset.replica = replica.node;
      cell.textContent =
        versions.length === 0
          ? held && !held.isUp
            ? '(down)'
            : '-'
          : versions
              .map((v) => `${v.isTombstone ? '(deleted)' : JSON.stringify(v.value)} ${clockText(v.clock)}`)
              .join(' | ');
      if (versions.some((v) => v.isTombstone)) cell.classList.add('qc-version--tombstone');
      if (versions.length > 1) cell.classList.add('qc-siblings');
      row.append(cell);
    }
    body.append(row);
  }
  table.replaceChildren(head, body);
}

// The quorum lab's live view. On top, the mechanism drawn with d3: the latest request fanning
// out to the N replicas until W (or R) answered, with the hints waiting beside each replica;
// one key's versions as branches with their vector clocks; the last Merkle anti-entropy
// round. Below, a searchable, paged table of keys with what each replica holds.
// Every picture starts from the snapshot sent on connect, so a page opened later draws the same.
// Layout, socket and the event log come from the kit's lab-client.js.
import { startLab } from '/lab-kit/lab-client.js';
import { drawFanOut } from './fan-out-picture.js';
import { drawMerkle, merkleCaption } from './merkle-picture.js';
import { clockText } from './sibling-branches.js';
import { drawSiblings } from './siblings-picture.js';

const pageSize = 40;
const state = {
  instance: '',
  replicas: [],
  settings: undefined,
  n: 0,
  requests: [],
  board: { waiting: [], delivered: [] },
  pinnedKey: '',
  held: undefined,
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

function panel(id, heading) {
  const section = el('section', 'qc-card');
  section.id = `${id}-panel`;
  const figure = el('div', 'qc-figure');
  figure.id = id;
  section.append(el('h2', '', heading), figure);
  return { section, figure };
}

// The page's parts are built once, so the search box keeps its focus while the rest redraws.
const header = el('p', 'qc-panel');
header.id = 'qc-settings';
const fanOut = panel(
  'qc-fanout',
  'Quorum: the latest request fanning out to the replicas, and the hints waiting for them',
);
const siblings = panel('qc-siblings', 'Versions as branches, with their vector clocks');
const merkle = panel('qc-merkle', 'Merkle anti-entropy: the last round');
const siblingsNote = el('p', 'qc-note');
siblingsNote.id = 'qc-siblings-note';
siblings.section.insertBefore(siblingsNote, siblings.figure);
const merkleNote = el('p', 'qc-note');
merkleNote.id = 'qc-merkle-note';
merkle.section.append(merkleNote);
const panels = el('div', 'qc-panels');
panels.append(siblings.section, merkle.section);

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

const latest = () => state.requests.at(-1);
const focusKey = () => state.pinnedKey || latest()?.key || '';

const { view } = startLab({
  title: 'quorum-consistency: N replicas, W + R > N',
  onSnapshot: (snapshot) => {
    state.instance = snapshot.instance;
    state.n = snapshot.n;
    state.settings = snapshot.settings;
    state.replicas = snapshot.replicas;
    state.table = snapshot.keyTable;
    state.requests = [...snapshot.requests];
    state.board = snapshot.hintBoard;
    // A page opened after a round shows that round, not "no run yet".
    state.merkle = snapshot.antiEntropy;
    view.replaceChildren(header, fanOut.section, panels, toolbar, table);
    draw();
    refreshSiblings();
  },
  on: {
    'request:progress': (request) => {
      const at = state.requests.findIndex((r) => r.requestId === request.requestId);
      if (at >= 0) state.requests[at] = request;
      else state.requests = [...state.requests, request].slice(-6);
      drawRequest();
      if (request.outcome !== 'waiting') refreshSiblings();
    },
    'hints:board': (board) => {
      state.board = board;
      drawRequest();
    },
    'replicas:status': (replicas) => {
      state.replicas = replicas;
      drawRequest();
      drawTable();
    },
    'kv:written': ({ key }) => refreshTable(key),
    'replica:repaired': ({ key }) => {
      refreshTable(key);
      if (key === focusKey()) refreshSiblings();
    },
    'hint:delivered': ({ key }) => {
      refreshTable(key);
      if (key === focusKey()) refreshSiblings();
    },
    'tombstone:collected': ({ key }) => refreshTable(key),
    'merkle:compared': (compared) => {
      state.merkle = { compared };
      drawMerkleRound();
    },
    'antientropy:finished': (report) => {
      state.merkle = { ...(state.merkle ?? {}), report };
      drawMerkleRound();
      refreshTable();
      refreshSiblings();
    },
    'config:changed': (settings) => {
      state.settings = settings;
      drawSettings();
      drawSiblingsPicture();
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

// The branches of the key in focus, read straight from every replica (no quorum, no repair).
let siblingsTimer;
function refreshSiblings() {
  clearTimeout(siblingsTimer);
  siblingsTimer = setTimeout(async () => {
    const key = focusKey();
    if (!key) return drawSiblingsPicture();
    const response = await fetch(`/kv/${encodeURIComponent(key)}/replicas`);
    state.held = response.ok ? await response.json() : undefined;
    drawSiblingsPicture();
  }, 100);
}

function draw() {
  drawSettings();
  drawRequest();
  drawSiblingsPicture();
  drawMerkleRound();
  drawTable();
}

function drawSettings() {
  const settings = state.settings;
  header.textContent = settings
    ? `N=${state.n} W=${settings.w} R=${settings.r} (${settings.w + settings.r > state.n ? 'W+R>N: quorums overlap' : 'W+R<=N: stale reads possible'}) · ${settings.conflictPolicy} · sloppy quorum ${settings.sloppyQuorum ? 'on' : 'off'} · hinted handoff ${settings.hintedHandoff ? 'on' : 'off'} · read repair ${settings.readRepair ? 'on' : 'off'} · answer at ${settings.answerAtQuorum ? 'W' : 'N'}`
    : '';
}

function drawRequest() {
  drawFanOut(fanOut.figure, {
    replicas: state.replicas,
    request: latest(),
    board: state.board,
    coordinator: state.instance,
  });
}

function drawSiblingsPicture() {
  const key = focusKey();
  drawSiblings(siblings.figure, {
    key,
    held: state.held?.key === key ? state.held : undefined,
    policy: state.settings?.conflictPolicy,
    note: siblingsNote,
  });
}

function drawMerkleRound() {
  drawMerkle(merkle.figure, state.merkle);
  merkleNote.textContent = merkleCaption(state.merkle);
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
    const name = el('th', 'qc-key');
    name.scope = 'row';
    const pick = el('button', 'qc-pick', key);
    pick.type = 'button';
    pick.title = 'Draw this key as branches';
    pick.addEventListener('click', () => {
      state.pinnedKey = key;
      refreshSiblings();
    });
    name.append(pick);
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

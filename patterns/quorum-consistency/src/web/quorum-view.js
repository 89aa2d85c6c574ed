// The quorum lab's drawing: one column per replica with each key's versions
// and clocks, the acknowledgements of the latest writes, hints and Merkle
// ranges. Layout, socket and the event log come from the kit's lab-client.js.
import { startLab } from '/lab-kit/lab-client.js';

const state = {
  replicas: [],
  keys: new Map(),
  settings: undefined,
  n: 0,
  acks: new Map(),
  hints: [],
  ranges: [],
};

const { view } = startLab({
  title: 'quorum-consistency: N replicas, W + R > N',
  onSnapshot: (snapshot) => {
    state.n = snapshot.n;
    state.settings = snapshot.settings;
    state.replicas = snapshot.replicas;
    for (const entry of snapshot.keys) state.keys.set(entry.key, entry.replicas);
    draw();
    void refreshHints();
  },
  on: {
    'replica:acked': ({ requestId, key, node, ok }) => {
      const acks = state.acks.get(requestId) ?? { key, nodes: [] };
      acks.nodes.push({ node, ok });
      state.acks.set(requestId, acks);
      while (state.acks.size > 5) state.acks.delete(state.acks.keys().next().value);
      draw();
    },
    'kv:written': ({ key }) => void refreshKey(key),
    'replica:repaired': ({ key }) => void refreshKey(key),
    'hint:stored': () => void refreshHints(),
    'hint:delivered': ({ key }) => {
      void refreshHints();
      void refreshKey(key);
    },
    'tombstone:collected': ({ key }) => void refreshKey(key),
    'merkle:compared': ({ depth, pairs }) => {
      // Deep trees are drawn at 256 cells: each cell lights up if any leaf under it differs.
      const shown = Math.min(depth, 8);
      const leaves = new Set(pairs.flatMap((pair) => pair.ranges));
      const cells = new Set([...leaves].map((range) => range >> (depth - shown)));
      state.ranges = Array.from({ length: 2 ** shown }, (_, i) => cells.has(i));
      state.rangeSummary = `${leaves.size} of ${2 ** depth} leaf ranges differ`;
      draw();
    },
    'config:changed': (settings) => {
      state.settings = settings;
      draw();
    },
  },
});

async function refreshKey(key) {
  const response = await fetch(`/kv/${encodeURIComponent(key)}/replicas`);
  if (!response.ok) return;
  const body = await response.json();
  const held = body.replicas.some((replica) => replica.versions.length > 0);
  if (held) state.keys.set(key, body.replicas);
  else state.keys.delete(key);
  for (const replica of body.replicas) {
    const known = state.replicas.find((r) => r.node === replica.node);
    if (known) known.isUp = replica.isUp;
  }
  draw(key);
}

async function refreshHints() {
  const response = await fetch('/hints');
  if (!response.ok) return;
  state.hints = (await response.json()).pending;
  draw();
}

const clockText = (clock) =>
  `{${Object.entries(clock)
    .map(([node, entry]) => `${node}:${entry.counter}`)
    .join(', ')}}`;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function draw(flashKey) {
  const settings = state.settings;
  const header = el(
    'p',
    'qc-panel',
    settings
      ? `N=${state.n} W=${settings.w} R=${settings.r} (${settings.w + settings.r > state.n ? 'W+R>N: quorums overlap' : 'W+R<=N: stale reads possible'}) · ${settings.conflictPolicy} · sloppy quorum ${settings.sloppyQuorum ? 'on' : 'off'} · hinted handoff ${settings.hintedHandoff ? 'on' : 'off'} · read repair ${settings.readRepair ? 'on' : 'off'} · answer at ${settings.answerAtQuorum ? 'W' : 'N'}`
      : '',
  );
  header.id = 'qc-settings';

  const columns = el('div', 'qc-replicas');
  for (const replica of state.replicas) {
    const column = el('div', `qc-replica${replica.isUp ? '' : ' qc-replica--down'}`);
    column.dataset.replica = replica.node;
    column.append(el('h3', '', `${replica.node}${replica.isUp ? '' : ' (down)'}`));
    for (const [key, replicas] of [...state.keys.entries()].sort()) {
      const held = replicas.find((r) => r.node === replica.node);
      const line = el('div', `qc-key${key === flashKey ? ' qc-flash' : ''}`);
      line.dataset.key = key;
      const versions = held?.versions ?? [];
      line.textContent = `${key}: ${
        versions.length === 0
          ? '-'
          : versions
              .map((v) => `${v.isTombstone ? '(deleted)' : JSON.stringify(v.value)} ${clockText(v.clock)}`)
              .join(' | ')
      }`;
      if (versions.some((v) => v.isTombstone)) line.classList.add('qc-version--tombstone');
      column.append(line);
    }
    columns.append(column);
  }

  const acks = el('div', 'qc-panel qc-acks');
  acks.id = 'qc-acks';
  acks.append(el('strong', '', 'Latest writes: '));
  for (const [requestId, { key, nodes }] of state.acks) {
    const row = el('div', '');
    row.dataset.request = requestId;
    row.append(el('span', '', key));
    for (const { node, ok } of nodes) row.append(el('span', ok ? 'qc-ok' : 'qc-fail', node));
    acks.append(row);
  }

  const hints = el('div', 'qc-panel');
  hints.id = 'qc-hints';
  hints.textContent =
    state.hints.length === 0
      ? 'Hints: none pending'
      : `Hints: ${state.hints.map((h) => `${h.count} for ${h.target} held by ${h.heldBy}`).join('; ')}`;

  const merkle = el('div', 'qc-panel');
  merkle.id = 'qc-merkle';
  merkle.append(el('div', '', `Merkle ranges: ${state.rangeSummary ?? 'no anti-entropy run yet'}`));
  const ranges = el('div', 'qc-ranges');
  for (const differs of state.ranges)
    ranges.append(el('span', `qc-range${differs ? ' qc-range--differs' : ''}`));
  merkle.append(ranges);

  view.replaceChildren(header, columns, acks, hints, merkle);
}

// The distributed-lock live view: the lock nodes, each resource's holder with
// a lease countdown and its wait queue, and the fencing tokens the protected
// resource accepted or rejected. Events come from this instance; every second
// the page also asks GET /locks/{resource}, so the other instance's grants show too.
import { startLab } from '/lab-kit/lab-client.js';
import { queueLabel } from './queue-cell.js';

const nodes = new Map(); // name -> { isUp, role }
const locks = new Map(); // resource -> view from GET /locks/{resource} or events
const writes = []; // newest first

const { view } = startLab({
  title: 'distributed lock: Redlock, fencing tokens, FIFO queue',
  onSnapshot: (state) => {
    for (const n of state.nodes) nodes.set(n.node, n);
    for (const lock of state.locks) locks.set(lock.resource, toRow(lock));
    draw();
  },
  on: {
    'nodes:status': (list) => {
      for (const n of list) nodes.set(n.node, n);
      draw();
    },
    'node:fault': ({ node }) => {
      const n = nodes.get(node);
      if (n) nodes.set(node, { ...n, isUp: false });
      draw();
    },
    'lock:acquired': (e) => {
      const row = locks.get(e.resource) ?? emptyRow(e.resource);
      locks.set(e.resource, {
        ...row,
        holder: e.owner,
        instance: e.instance,
        fencingToken: e.fencingToken,
        expiresAtMs: e.expiresAtMs,
        queue: row.queue.filter((w) => w.owner !== e.owner),
      });
      draw();
    },
    'lock:extended': (e) => updateRow(e.resource, { expiresAtMs: e.expiresAtMs }),
    'lock:released': (e) => updateRow(e.resource, { holder: null, expiresAtMs: null }),
    'lock:expired': (e) => updateRow(e.resource, { holder: null, expiresAtMs: null }),
    'queue:joined': (e) => {
      const row = locks.get(e.resource) ?? emptyRow(e.resource);
      locks.set(e.resource, {
        ...row,
        // Replaces the same waiter if GET /locks already listed it.
        queue: [
          ...row.queue.filter((w) => w.waiter !== e.waiter),
          { waiter: e.waiter, owner: e.owner, ticket: e.ticket },
        ],
      });
      draw();
    },
    'queue:left': (e) => {
      const row = locks.get(e.resource);
      if (row) updateRow(e.resource, { queue: row.queue.filter((w) => w.waiter !== e.waiter) });
    },
    'resource:written': (e) => {
      writes.unshift(e);
      writes.length = Math.min(writes.length, 30);
      draw();
    },
  },
});

function emptyRow(resource) {
  return { resource, holder: null, instance: null, fencingToken: null, expiresAtMs: null, queue: [] };
}

function toRow(lock) {
  return {
    resource: lock.resource,
    holder: lock.holder ? lock.holder.owner : null,
    instance: lock.holder ? lock.holder.instance : null,
    fencingToken: lock.holder ? lock.holder.fencingToken : null,
    expiresAtMs: lock.holder ? Date.now() + lock.holder.ttlMs : null,
    queue: lock.queue,
  };
}

function updateRow(resource, patch) {
  locks.set(resource, { ...(locks.get(resource) ?? emptyRow(resource)), ...patch });
  draw();
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function draw() {
  const nodeBar = document.createElement('div');
  nodeBar.className = 'lock-nodes';
  for (const [name, n] of [...nodes.entries()].sort()) {
    const el = document.createElement('span');
    el.className = `lock-node lock-node--${n.isUp ? 'up' : 'down'}${n.role === 'resource' ? ' lock-node--resource' : ''}`;
    el.dataset.node = name;
    el.textContent = `${name} ${n.isUp ? 'up' : 'DOWN'}`;
    nodeBar.append(el);
  }

  const table = document.createElement('table');
  table.className = 'lock-table';
  table.innerHTML =
    '<tr><th>resource</th><th>holder</th><th>fencing token</th><th>lease left</th><th>queue (FIFO)</th></tr>';
  for (const row of [...locks.values()].sort((a, b) => a.resource.localeCompare(b.resource))) {
    const tr = document.createElement('tr');
    tr.dataset.resource = row.resource;
    const left = row.expiresAtMs ? Math.max(0, row.expiresAtMs - Date.now()) : 0;
    const isHeld = row.holder && left > 0;
    tr.append(
      cell(row.resource),
      cell(isHeld ? `${row.holder} (${row.instance})` : 'free', isHeld ? 'lock-holder' : 'lock-free'),
      cell(isHeld && row.fencingToken ? String(row.fencingToken) : ''),
      cell(isHeld ? `${(left / 1000).toFixed(1)} s` : ''),
      cell(queueLabel(row.queue)),
    );
    table.append(tr);
  }

  const list = document.createElement('ol');
  list.className = 'lock-writes';
  for (const w of writes) {
    const li = document.createElement('li');
    li.className = `lock-write--${w.accepted ? 'accepted' : 'rejected'}`;
    li.textContent = `${w.name}: token ${w.fencingToken} by ${w.writer} ${w.accepted ? 'accepted' : `REJECTED (highest ${w.highestToken})`}`;
    list.append(li);
  }
  const heading = document.createElement('h2');
  heading.textContent = 'Writes at the protected resource';
  view.replaceChildren(nodeBar, table, heading, list);
}

// The countdown ticks, and the other instance's grants show up within a second.
setInterval(draw, 250);
setInterval(async () => {
  for (const resource of locks.keys()) {
    const res = await fetch(`/locks/${encodeURIComponent(resource)}`);
    if (res.ok) locks.set(resource, toRow(await res.json()));
  }
}, 1000);

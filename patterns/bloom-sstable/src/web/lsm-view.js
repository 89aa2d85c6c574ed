// The LSM shape: memtable filling, L0 files appearing on flush, levels merging on
// compaction, and each GET's path through L1 -> L2 -> memtable -> SSTables.
import { startLab } from '/lab-kit/lab-client.js';

let shape = {
  memtable: { entries: 0, bytes: 0, limitBytes: 1, immutableEntries: 0 },
  levels: [],
  writeStall: 'none',
};
let lastRead = null;
const freshFiles = new Set();

const { view } = startLab({
  title: 'bloom-sstable: an LSM store',
  onSnapshot: (state) => {
    shape = state.shape;
    draw();
  },
  on: {
    'write:applied': ({ memtable }) => {
      shape = { ...shape, memtable };
      draw();
    },
    'memtable:flushed': ({ report, shape: next }) => {
      if (report.fileNumber !== null) freshFiles.add(report.fileNumber);
      shape = next;
      draw();
    },
    'compaction:finished': ({ report, shape: next }) => {
      for (const f of report.outputFiles) freshFiles.add(f);
      shape = next;
      draw();
    },
    'stall:changed': ({ state }) => {
      shape = { ...shape, writeStall: state };
      draw();
    },
    'read:traced': (read) => {
      lastRead = read;
      draw();
    },
  },
});

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function draw() {
  const rows = [];
  const mem = el('div', 'lsm-row');
  mem.append(el('span', 'lsm-row__label', 'memtable'));
  const bar = el('div', 'lsm-memtable');
  bar.id = 'lsm-memtable';
  bar.dataset.entries = String(shape.memtable.entries);
  const fill = el('div', 'lsm-memtable__fill');
  fill.style.width = `${Math.min(100, (100 * (shape.memtable.bytes ?? 0)) / shape.memtable.limitBytes)}%`;
  bar.append(fill);
  // LevelDB does not report its memtable: null figures show as n/a, never as zero.
  mem.append(
    bar,
    el('span', '', `${shape.memtable.entries ?? 'n/a'} entries, ${shape.memtable.bytes ?? 'n/a'} B`),
  );
  rows.push(mem);

  for (const level of shape.levels) {
    const row = el('div', 'lsm-row');
    row.dataset.level = String(level.level);
    row.append(el('span', 'lsm-row__label', `L${level.level} (${level.files.length})`));
    for (const f of level.files) {
      const t = el(
        'span',
        `lsm-table${freshFiles.has(f.file) ? ' lsm-table--new' : ''}`,
        f.smallestKey === null
          ? `#${f.file} ${f.sizeBytes} B`
          : `#${f.file} ${f.smallestKey}…${f.largestKey} (${f.entries})`,
      );
      t.dataset.file = String(f.file);
      row.append(t);
    }
    rows.push(row);
  }
  rows.push(el('div', 'lsm-stall', `write stall: ${shape.writeStall ?? 'not reported by this engine'}`));

  if (lastRead) {
    const path = el('div', 'lsm-path');
    path.id = 'lsm-read-path';
    path.append(
      el(
        'strong',
        '',
        `GET ${lastRead.key} → ${lastRead.found ? 'found' : 'absent'} from ${lastRead.servedFrom}:`,
      ),
    );
    for (const step of lastRead.trace.levels) {
      const s = el(
        'span',
        `lsm-step lsm-step--${step.outcome}`,
        `L${step.level} #${step.file} ${step.outcome}`,
      );
      s.dataset.outcome = step.outcome;
      path.append(s);
    }
    rows.push(path);
  }
  view.replaceChildren(...rows);
}

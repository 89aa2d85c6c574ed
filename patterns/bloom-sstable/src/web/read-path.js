// A read's path as the live view draws it, kept apart from the page so a test can check it:
// one station per part the read asked (L1 cache, L2 cache, memtable, each SSTable), with that
// part's answer. A Bloom filter's "no" is a station that read no block: the read it saved.

/** A cache's station: it answered the read (hit) or passed it on (miss). */
function cacheStation(node, title, isHit) {
  const answer = isHit ? 'hit' : 'miss';
  return { node, title, lines: [answer], state: answer };
}

/** The stations of one read, in the order the store asked them. */
export function readStations(read) {
  const stations = [];
  if (!read.isSnapshotRead) {
    const l1Hit = read.servedFrom === 'l1';
    stations.push(cacheStation('l1-cache', 'L1 cache', l1Hit));
    if (!l1Hit && read.hasL2) stations.push(cacheStation('l2-cache', 'L2 (Redis)', read.servedFrom === 'l2'));
  }
  if (read.servedFrom === 'l1' || read.servedFrom === 'l2') return stations;
  if (read.trace === null) {
    stations.push({
      node: 'leveldb',
      title: 'LevelDB',
      lines: [read.found ? 'found' : 'absent', 'path not reported'],
      state: 'unreported',
    });
    return stations;
  }
  const memHit = read.servedFrom === 'memtable';
  stations.push({
    node: 'memtable',
    title: 'memtable',
    lines: [memHit ? 'hit' : 'miss'],
    state: memHit ? 'hit' : 'miss',
  });
  for (const step of read.trace.levels) {
    const base = { node: `L${step.level}`, file: step.file, title: `L${step.level} #${step.file}` };
    if (step.outcome === 'bloom-negative')
      stations.push({ ...base, lines: ['Bloom: no', 'no block read'], state: 'bloom-no', bloom: 'no' });
    else if (step.outcome === 'bloom-false-positive')
      stations.push({
        ...base,
        lines: ['Bloom: maybe', 'block: not there'],
        state: 'false-positive',
        bloom: 'maybe',
      });
    else stations.push({ ...base, lines: ['Bloom: maybe', 'block: found'], state: 'found', bloom: 'maybe' });
  }
  return stations;
}

/** "GET user:35 → absent · 2 Bloom checks, 2 said no · 0 tables read" */
export function readHeadline(read) {
  const answer = read.found ? `found in ${read.servedFrom}` : 'absent';
  const asOf = read.isSnapshotRead ? ' (asOf: caches skipped)' : '';
  if (read.trace === null) return `GET ${read.key}${asOf} → ${answer}`;
  const no = read.trace.bloomNegatives;
  return (
    `GET ${read.key}${asOf} → ${answer} · ${read.trace.bloomChecks} Bloom ${read.trace.bloomChecks === 1 ? 'check' : 'checks'}, ${no} said no · ` +
    `${read.trace.sstablesRead} ${read.trace.sstablesRead === 1 ? 'table' : 'tables'} read`
  );
}

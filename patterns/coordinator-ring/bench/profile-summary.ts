/** The parts of a V8 `.cpuprofile` this summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  /** Microseconds from one sample to the next (the first from startTime). */
  readonly timeDeltas?: readonly number[];
}

/** Sample counts per node id, of the samples taken between `fromMs` and `toMs` after the profile started. */
function hitsWithin(profile: CpuProfile, [fromMs, toMs]: readonly [number, number]): Map<number, number> {
  const hits = new Map<number, number>();
  let atUs = 0;
  (profile.samples ?? []).forEach((id, i) => {
    atUs += profile.timeDeltas?.[i] ?? 0;
    if (atUs >= fromMs * 1000 && atUs <= toMs * 1000) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return hits;
}

/** Where a function lives: a package, a Node internal module, a file of this pattern, or V8's own. */
function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm) return pnpm[1]?.replace('+', '/') ?? url;
  if (url.startsWith('node:')) return url;
  const own = /patterns\/coordinator-ring\/(.*)$/.exec(url) ?? /shared\/(src\/.*)$/.exec(url);
  return own ? (own[0].includes('shared/') ? `kit ${own[1]}` : (own[1] ?? url)) : url;
}

const percent = (part: number, total: number) => `${((100 * part) / total).toFixed(1).padStart(5)} %`;

/**
 * Self time by place (package, Node module, file) and by function, in per cent of the samples taken
 * within `windowMs` (from the profile's start), plus the inclusive share of a few callers worth watching (the peer transport, Redis, HTTP).
 */
export function summariseProfile(
  profile: CpuProfile,
  windowMs: readonly [number, number] = [0, Infinity],
  top = 18,
): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const windowHits = hitsWithin(profile, windowMs);
  const hitsOf = (id: number) => windowHits.get(id) ?? 0;
  const total = [...windowHits.values()].reduce((sum, n) => sum + n, 0) || 1;
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = hitsOf(node.id);
    const { url, functionName, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
    const name = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  // Inclusive time of frames whose name matches, counted once per sample path.
  const watched = [
    'sendAppendEntries',
    'handleAppendEntries',
    'signMessage',
    'verifyMessage',
    'safeParse',
    'routeHandler',
    'recorded',
    'writev',
    'fetch',
  ];
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: ReadonlySet<string>): void => {
    const node = byId.get(id);
    if (!node) return;
    const name = node.callFrame.functionName;
    const here = watched.includes(name) && !open.has(name) ? new Set([...open, name]) : open;
    for (const w of here) inclusive.set(w, (inclusive.get(w) ?? 0) + hitsOf(node.id));
    for (const child of node.children ?? []) walk(child, here);
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => `  ${percent(hits, total)}  ${name}`);
  return [
    `self time by place (${total} samples in the load window):`,
    ...rows(byPlace),
    'self time by function:',
    ...rows(byFunction),
    'inclusive:',
    ...watched.map((w) => `  ${percent(inclusive.get(w) ?? 0, total)}  ${w}`),
  ].join('\n');
}

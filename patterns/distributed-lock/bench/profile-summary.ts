/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly hitCount?: number;
    readonly children?: readonly number[];
  }[];
}

/** A package, a Node module, a file of the lab, or V8's own bucket ((garbage collector), (program)). */
function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm?.[1]) return pnpm[1].replace('+', '/');
  const lab = /(patterns\/distributed-lock|shared)\/(.*)$/.exec(url);
  return lab?.[2] ? `${lab[1] === 'shared' ? 'kit ' : ''}${lab[2]}` : url;
}

const percent = (part: number, total: number) => `${((100 * part) / total).toFixed(1).padStart(5)} %`;

/**
 * Self time by place and by function, and the inclusive time under a few frames worth
 * watching (socket writes, the HTTP parser, ioredis's command path), in per cent of samples.
 */
export function summariseProfile(profile: CpuProfile, top = 16): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { url, functionName, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
    const name = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const watched = ['writeGeneric', 'writev', 'writeUtf8String', 'sendCommand', 'parserOnHeadersComplete'];
  const inclusive = new Map<string, number>();
  // Each sample counted once per watched name, however deep it recurses.
  const walk = (id: number, open: ReadonlySet<string>): void => {
    const node = byId.get(id);
    if (!node) return;
    const name = node.callFrame.functionName;
    const here = watched.includes(name) && !open.has(name) ? new Set([...open, name]) : open;
    for (const w of here) inclusive.set(w, (inclusive.get(w) ?? 0) + (node.hitCount ?? 0));
    for (const child of node.children ?? []) walk(child, here);
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  const rows = (map: ReadonlyMap<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => `  ${percent(hits, total)}  ${name}`);
  return [
    'self time by place:',
    ...rows(byPlace),
    'self time by function:',
    ...rows(byFunction),
    'inclusive:',
    ...rows(inclusive),
  ].join('\n');
}

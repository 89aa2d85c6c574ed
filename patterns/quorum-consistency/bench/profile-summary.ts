/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples?: readonly number[];
}

/** Where a frame's code lives: a package, a Node module, a file of this pattern or of the kit, or V8's own. */
function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm?.[1]) return pnpm[1].replace('+', '/');
  if (url.startsWith('node:')) return url;
  const own = /patterns\/quorum-consistency\/(.*)$/.exec(url);
  if (own?.[1]) return own[1];
  const kit = /shared\/(src\/.*)$/.exec(url);
  return kit?.[1] ? `kit ${kit[1]}` : url;
}

const percent = (part: number, total: number) => `${((100 * part) / total).toFixed(1).padStart(5)} %`;

/**
 * Self time by place and by function, and the inclusive time of each of this pattern's own functions
 * (counted once per sample however deep it recurses), in per cent of the profile's samples.
 */
export function summariseProfile(profile: CpuProfile, top = 20): string {
  const hits = new Map<number, number>();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const idle = profile.nodes
    .filter((node) => ['(idle)', '(program)'].includes(node.callFrame.functionName))
    .reduce((sum, node) => sum + (hits.get(node.id) ?? 0), 0);
  const total = Math.max(1, (profile.samples?.length ?? 0) - idle);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByPlace = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, name: string, n: number) => map.set(name, (map.get(name) ?? 0) + n);
  // Total hits below each node, so inclusive time is one walk down the tree.
  const below = new Map<number, number>();
  const sumBelow = (id: number): number => {
    const node = byId.get(id);
    const n = (hits.get(id) ?? 0) + (node?.children ?? []).reduce((sum, child) => sum + sumBelow(child), 0);
    below.set(id, n);
    return n;
  };
  const root = profile.nodes[0];
  if (root) sumBelow(root.id);
  const walk = (id: number, open: ReadonlySet<string>): void => {
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (['(idle)', '(program)'].includes(functionName)) return;
    const place = placeOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    add(selfByPlace, place, hits.get(id) ?? 0);
    add(selfByFunction, name, hits.get(id) ?? 0);
    let next = open;
    if (!place.startsWith('kit ') && place.startsWith('src/') && !open.has(name)) {
      add(inclusive, name, below.get(id) ?? 0);
      next = new Set([...open, name]);
    }
    for (const child of node.children ?? []) walk(child, next);
  };
  if (root) walk(root.id, new Set());
  const ranked = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, n]) => `  ${percent(n, total)}  ${name}`);
  return [
    `busy samples: ${total} (idle and program left out)`,
    'self time by place:',
    ...ranked(selfByPlace, top),
    'self time by function:',
    ...ranked(selfByFunction, top),
    "inclusive time of this pattern's functions:",
    ...ranked(inclusive, top),
  ].join('\n');
}

/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

/** A package, a Node module, a file of the lab, or V8's own bucket ((garbage collector), (program)). */
function placeOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm?.[1]) return pnpm[1].replace('+', '/');
  const lab = /(patterns\/distributed-lock|shared)\/(.*)$/.exec(url);
  return lab?.[2] ? `${lab[1] === 'shared' ? 'kit ' : ''}${lab[2]}` : url;
}

const frameOf = (node: ProfileNode) =>
  `${node.callFrame.functionName || '(anonymous)'} ${placeOf(node.callFrame)}:${node.callFrame.lineNumber + 1}`;

/**
 * Where a busy service spends its time, as shares of its busy samples (idle left out, since the
 * load generator decides how idle it is): self time by place, and inclusive time by frame, where a
 * frame counts each sample once however often it recurses on that sample's stack.
 */
export function summariseProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfByPlace = new Map<string, number>();
  const inclusiveByFrame = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    if (node.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    busy += hits;
    const place = placeOf(node.callFrame);
    selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + hits);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id);
      if (frame && frame.callFrame.functionName !== '(root)') onStack.add(frameOf(frame));
    }
    for (const frame of onStack) inclusiveByFrame.set(frame, (inclusiveByFrame.get(frame) ?? 0) + hits);
  }
  const share = (hits: number) => `${((100 * hits) / Math.max(1, busy)).toFixed(1).padStart(5)} %`;
  const largest = (map: ReadonlyMap<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => `  ${share(hits)}  ${name}`);
  return [
    `busy in ${((100 * busy) / Math.max(1, busy + idle)).toFixed(1)} % of the samples; shares of busy time:`,
    'self time by place:',
    ...largest(selfByPlace),
    'inclusive time by frame:',
    ...largest(inclusiveByFrame),
  ].join('\n');
}

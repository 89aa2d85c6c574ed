import { murmur3_32 } from './murmur3-32.ts';

/**
 * A consistent-hash ring with virtual nodes (Karger et al. 1997; Dynamo,
 * Cassandra). Keys and virtual nodes hash onto the same circle of 2^32
 * positions; a key belongs to the first virtual node at or after its
 * position, walking clockwise. Each physical node owns `virtualNodes` points,
 * so its share is a sum of many small arcs and evens out, and when a node
 * joins or leaves only the arcs next to its points change hands.
 *
 * The ring is a value: it depends only on its set of nodes and
 * `virtualNodes`, never on the order nodes joined, so any two services that
 * agree on membership agree on every owner.
 */

/** One point on the ring: the `index`-th virtual node of physical `node`. */
export interface VirtualNode {
  readonly node: string;
  readonly index: number;
  /** Where it sits on the ring, 0 <= position < 2^32. */
  readonly position: number;
}

/** An immutable ring: its physical nodes and their virtual nodes in clockwise order. */
export interface HashRing {
  readonly virtualNodes: number;
  /** Physical nodes, sorted. */
  readonly nodes: readonly string[];
  /** All virtual nodes sorted by position (ties by node, then index). */
  readonly points: readonly VirtualNode[];
}

/** Where a key lands, step by step, for the live view. */
export interface KeyLocation {
  readonly key: string;
  /** The key's position on the ring, murmur3_32 of the key. */
  readonly hash: number;
  /** Index into `ring.points` of the virtual node that owns the key. */
  readonly pointIndex: number;
  readonly virtualNode: VirtualNode;
  /** The physical node that owns the key. */
  readonly owner: string;
}

/** Thrown when a key is looked up on a ring with no nodes: there is no owner to give. */
export class EmptyRingError extends Error {
  override readonly name = 'EmptyRingError';
  constructor() {
    super('the ring has no nodes, so no key has an owner');
  }
}

/** The number of positions on the ring. */
export const RING_SIZE = 2 ** 32;

/** A new ring with `virtualNodes` points per physical node, holding `nodes` (none by default). */
export function createRing(options: { virtualNodes: number; nodes?: Iterable<string> }): HashRing {
  const { virtualNodes, nodes = [] } = options;
  if (!Number.isSafeInteger(virtualNodes) || virtualNodes < 1) {
    throw new RangeError(`createRing: virtualNodes must be an integer >= 1, got ${String(virtualNodes)}`);
  }
  return buildRing(virtualNodes, new Set(nodes));
}

/** The ring with `node` added; the same ring if it is already there. */
export function addNode(ring: HashRing, node: string): HashRing {
  assertNodeName(node);
  if (ring.nodes.includes(node)) return ring;
  return buildRing(ring.virtualNodes, new Set([...ring.nodes, node]));
}

/** The ring without `node`; the same ring if it was not there. */
export function removeNode(ring: HashRing, node: string): HashRing {
  if (!ring.nodes.includes(node)) return ring;
  return buildRing(ring.virtualNodes, new Set(ring.nodes.filter((n) => n !== node)));
}

/** The position of virtual node `index` of `node`: murmur3_32 of `node#index`. */
export function virtualNodePosition(node: string, index: number): number {
  // `#` then a decimal index reads back unambiguously, so no two points share a label.
  return murmur3_32(`${node}#${index}`);
}

/** Where `key` lands: its hash, the virtual node that owns it, and that node's physical owner. */
export function locate(ring: HashRing, key: string): KeyLocation {
  const hash = murmur3_32(key);
  const pointIndex = successorIndex(ring, hash);
  const virtualNode = ring.points[pointIndex] as VirtualNode;
  return { key, hash, pointIndex, virtualNode, owner: virtualNode.node };
}

/** The physical node that owns `key`. */
export function ownerOf(ring: HashRing, key: string): string {
  return locate(ring, key).owner;
}

/**
 * Dynamo's preference list: the first `n` distinct physical nodes met walking
 * clockwise from the key. Its head is the owner (the coordinator); replicas
 * follow. Fewer than `n` come back when the ring has fewer nodes; an empty
 * ring throws EmptyRingError.
 */
export function preferenceList(ring: HashRing, key: string, n: number): readonly string[] {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`preferenceList: n must be an integer >= 1, got ${String(n)}`);
  }
  const wanted = Math.min(n, ring.nodes.length);
  const start = locate(ring, key).pointIndex;
  const list: string[] = [];
  // Skip virtual nodes of nodes already listed: replicas must be distinct machines.
  for (let step = 0; list.length < wanted; step++) {
    const { node } = ring.points[(start + step) % ring.points.length] as VirtualNode;
    if (!list.includes(node)) list.push(node);
  }
  return Object.freeze(list);
}

/** The fraction of the ring each physical node owns; the fractions sum to 1. */
export function ownershipShare(ring: HashRing): Readonly<Record<string, number>> {
  const owned = new Map<string, number>(ring.nodes.map((node) => [node, 0]));
  ring.points.forEach((point, i) => {
    // A point owns the arc after its predecessor up to itself; the first point's arc wraps past 2^32.
    const previous =
      i === 0
        ? (ring.points.at(-1) as VirtualNode).position - RING_SIZE
        : (ring.points[i - 1] as VirtualNode).position;
    owned.set(point.node, (owned.get(point.node) ?? 0) + (point.position - previous));
  });
  return Object.freeze(Object.fromEntries([...owned].map(([node, arc]) => [node, arc / RING_SIZE])));
}

function buildRing(virtualNodes: number, nodes: ReadonlySet<string>): HashRing {
  const sortedNodes = [...nodes].sort();
  sortedNodes.forEach(assertNodeName);
  const points: VirtualNode[] = [];
  for (const node of sortedNodes) {
    for (let index = 0; index < virtualNodes; index++) {
      points.push(Object.freeze({ node, index, position: virtualNodePosition(node, index) }));
    }
  }
  // Two points can share a position (about one chance in 10^5 for 500 points);
  // breaking ties by label keeps every replica's ring identical.
  points.sort((a, b) => a.position - b.position || compareStrings(a.node, b.node) || a.index - b.index);
  return Object.freeze({
    virtualNodes,
    nodes: Object.freeze(sortedNodes),
    points: Object.freeze(points),
  });
}

// Binary search for the first point at or after `hash`; past the last point, wrap to the first.
function successorIndex(ring: HashRing, hash: number): number {
  const { points } = ring;
  if (points.length === 0) throw new EmptyRingError();
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((points[mid] as VirtualNode).position < hash) low = mid + 1;
    else high = mid;
  }
  return low === points.length ? 0 : low;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertNodeName(node: string): void {
  if (typeof node !== 'string' || node.length === 0) {
    throw new TypeError(`a node name must be a non-empty string, got ${JSON.stringify(node)}`);
  }
}

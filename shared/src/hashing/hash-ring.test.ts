import { describe, expect, it } from 'vitest';
import {
  EmptyRingError,
  RING_SIZE,
  addNode,
  createRing,
  locate,
  ownerOf,
  ownershipShare,
  preferenceList,
  removeNode,
} from './hash-ring.ts';
import type { HashRing } from './hash-ring.ts';

const KEYS = Array.from({ length: 100_000 }, (_, i) => `key:${i}`);
const THREE = ['shard-1', 'shard-2', 'shard-3'];
const ring3 = createRing({ virtualNodes: 160, nodes: THREE });
const ring4 = addNode(ring3, 'shard-4');
const owners3 = KEYS.map((key) => ownerOf(ring3, key));
const owners4 = KEYS.map((key) => ownerOf(ring4, key));

function loads(owners: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return counts;
}

const maxOverMean = (counts: Map<string, number>): number =>
  Math.max(...counts.values()) / (KEYS.length / counts.size);

describe('hash ring', () => {
  it('with 3 nodes × 160 virtual nodes, 100,000 keys spread with max/mean load <= 1.10', () => {
    const counts = loads(owners3);
    expect([...counts.keys()].sort()).toEqual(THREE);
    expect(maxOverMean(counts)).toBeLessThanOrEqual(1.1);
  });

  it('adding a 4th node moves 20–30 % of the keys (ideal 25 %), and only onto the new node', () => {
    const moved = KEYS.filter((_, i) => owners3[i] !== owners4[i]);
    const movedElsewhere = KEYS.filter((_, i) => owners3[i] !== owners4[i] && owners4[i] !== 'shard-4');
    expect(moved.length / KEYS.length).toBeGreaterThanOrEqual(0.2);
    expect(moved.length / KEYS.length).toBeLessThanOrEqual(0.3);
    expect(movedElsewhere).toEqual([]);
  });

  it('removing a node moves only that node’s keys', () => {
    const without2 = removeNode(ring4, 'shard-2');
    const wronglyMoved = KEYS.filter(
      (key, i) => owners4[i] !== 'shard-2' && ownerOf(without2, key) !== owners4[i],
    );
    expect(wronglyMoved).toEqual([]);
    expect(KEYS.some((key) => ownerOf(without2, key) === 'shard-2')).toBe(false);
  });

  it('the ring depends only on its node set, not the order nodes joined', () => {
    const forward = ['shard-1', 'shard-2', 'shard-3', 'shard-4'].reduce(
      addNode,
      createRing({ virtualNodes: 160 }),
    );
    const backward = ['shard-4', 'shard-3', 'shard-2', 'shard-1'].reduce(
      addNode,
      createRing({ virtualNodes: 160 }),
    );
    expect(backward).toEqual(forward);
    expect(forward).toEqual(ring4);
  });

  it('ownership shares sum to 1 and match the measured key loads within a percentage point', () => {
    const share = ownershipShare(ring4);
    expect(Object.values(share).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const [node, count] of loads(owners4)) {
      expect(Math.abs((share[node] ?? 0) - count / KEYS.length)).toBeLessThan(0.01);
    }
  });

  it('more virtual nodes even out the shares', () => {
    // Averaged over many clusters, so the claim is about the method, not one lucky layout.
    const meanSpread = (virtualNodes: number): number => {
      let total = 0;
      for (let c = 0; c < 20; c++) {
        const ring = createRing({ virtualNodes, nodes: THREE.map((n) => `c${c}-${n}`) });
        total += Math.max(...Object.values(ownershipShare(ring))) * THREE.length;
      }
      return total / 20;
    };
    const [one, ten, many] = [meanSpread(1), meanSpread(10), meanSpread(160)];
    expect(one).toBeGreaterThan(ten);
    expect(ten).toBeGreaterThan(many);
    expect(many).toBeLessThan(1.1);
  });

  it('preference lists hold n distinct physical nodes, headed by the owner', () => {
    for (const key of KEYS.slice(0, 5_000)) {
      const list = preferenceList(ring4, key, 3);
      if (new Set(list).size !== 3 || list[0] !== ownerOf(ring4, key))
        expect.fail(`bad list for ${key}: ${list.join()}`);
    }
    expect(preferenceList(ring3, 'key:1', 5)).toHaveLength(3);
  });

  it('preference lists follow the ring: dropping the owner promotes the rest of its list', () => {
    const ringWithout = new Map(ring4.nodes.map((node) => [node, removeNode(ring4, node)]));
    for (const key of KEYS.slice(0, 5_000)) {
      const [owner, ...rest] = preferenceList(ring4, key, 4);
      const after = preferenceList(ringWithout.get(owner as string) as HashRing, key, 3);
      if (after.join() !== rest.join()) expect.fail(`${key}: ${after.join()} != ${rest.join()}`);
    }
  });

  it('locate explains the lookup: the owning point is the first at or after the key’s hash', () => {
    for (const key of KEYS.slice(0, 2_000)) {
      const { hash, pointIndex, virtualNode, owner } = locate(ring3, key);
      const previous = ring3.points.at(pointIndex - 1)?.position ?? 0;
      const isFirstAtOrAfter =
        pointIndex === 0
          ? hash <= virtualNode.position || hash > previous
          : previous < hash && hash <= virtualNode.position;
      if (!isFirstAtOrAfter || owner !== virtualNode.node) expect.fail(`bad location for ${key}`);
    }
  });

  it('positions are 32-bit and the points come sorted', () => {
    const positions = ring4.points.map((p) => p.position);
    expect(
      positions.every((p, i) => p >= 0 && p < RING_SIZE && (i === 0 || (positions[i - 1] as number) <= p)),
    ).toBe(true);
    expect(ring4.points).toHaveLength(4 * 160);
  });

  it('adding a present node or removing an absent one returns the same ring', () => {
    expect(addNode(ring3, 'shard-1')).toBe(ring3);
    expect(removeNode(ring3, 'shard-9')).toBe(ring3);
  });

  it('an empty ring has no owner to give', () => {
    const empty: HashRing = createRing({ virtualNodes: 8 });
    expect(() => ownerOf(empty, 'key:1')).toThrow(EmptyRingError);
    expect(ownershipShare(empty)).toEqual({});
    expect(() => createRing({ virtualNodes: 0 })).toThrow(RangeError);
  });
});

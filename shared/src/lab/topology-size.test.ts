import { describe, expect, it } from 'vitest';
import type { PatternTopology } from '../topology/index.ts';
import { renderSizeOverride, sizeOverrideModel } from './compose.ts';
import { topologyAtSize } from './topology-size.ts';
import { assertImplemented } from './up-command.ts';

/** A ring of `size` nodes, each with its own Redis, every node a peer of the others. */
function ring(size: number): PatternTopology {
  const names = Array.from({ length: size }, (_, i) => `node-${i + 1}`);
  return {
    name: 'toy-ring',
    title: 'Toy ring',
    summary: 'a ring for tests',
    cap: 'CP',
    implemented: true,
    dir: 'patterns/toy-ring',
    entry: 'src/main.ts',
    portBlock: 9000,
    redis: names.map((n, i) => ({ name: `${n}-redis`, port: 9011 + i, appendOnly: true })),
    services: names.map((n, i) => ({
      name: n,
      port: 9001 + i,
      redis: [`${n}-redis`],
      peers: names.filter((p) => p !== n),
    })),
    sizes: { default: 3, others: [5], resize: ring },
  };
}

describe('topologyAtSize', () => {
  it('when no size or the default size is asked, then it is the declared topology itself', () => {
    const base = ring(3);
    expect(topologyAtSize(base)).toBe(base);
    expect(topologyAtSize(base, 3)).toBe(base);
  });

  it('when another declared size is asked, then the topology resizes itself', () => {
    const five = topologyAtSize(ring(3), 5);
    expect(five.services.map((s) => s.name)).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
    expect(five.services[0]?.peers).toHaveLength(4);
  });

  it('when a size is not declared, then it names the sizes it has', () => {
    expect(() => topologyAtSize(ring(3), 4)).toThrow(/toy-ring runs at sizes 3, 5, not 4/);
    const { sizes: _, ...fixed } = ring(3);
    expect(() => topologyAtSize(fixed, 5)).toThrow(/toy-ring runs at one size only/);
  });

  it('when a pattern is not implemented, then up refuses it naming the issue', () => {
    expect(() => assertImplemented({ ...ring(3), implemented: false, issue: 42 })).toThrow(
      /toy-ring is not implemented yet: issue #42 builds it/,
    );
  });
});

describe('the compose override for another size', () => {
  const model = sizeOverrideModel(ring(3), ring(5));

  it('declares the new nodes and instances in full, with volumes for append-only nodes', () => {
    expect(Object.keys(model.services).sort()).toEqual(
      ['node-1', 'node-2', 'node-3', 'node-4', 'node-4-redis', 'node-5', 'node-5-redis'].sort(),
    );
    expect(model.services['node-4']?.build?.args.APP_DIR).toBe('patterns/toy-ring');
    expect(Object.keys(model.volumes ?? {}).sort()).toEqual(['node-4-redis-data', 'node-5-redis-data']);
  });

  it('changes only the environment and dependencies of the instances that exist already', () => {
    const first = model.services['node-1'];
    expect(Object.keys(first ?? {}).sort()).toEqual(['depends_on', 'environment']);
    expect(first?.environment?.PEERS).toContain('node-5=http://node-5:9005');
  });

  it('says in its header how to use it on top of docker-compose.yml', () => {
    expect(renderSizeOverride(ring(3), ring(5), 5)).toMatch(
      /docker compose -f docker-compose.yml -f patterns\/toy-ring\/docker-compose.size-5.yml --profile toy-ring up/,
    );
  });
});

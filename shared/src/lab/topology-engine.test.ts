import { describe, expect, it } from 'vitest';
import { topology as kitDemo } from '../demo/topology.ts';
import { clusterBusPortsOf, portsOf, type PatternTopology } from '../topology/index.ts';
import { offsetTopology } from './port-offset.ts';
import { defaultEngine, engineVariants, topologyForEngine } from './topology-engine.ts';

const variant: PatternTopology = {
  ...kitDemo,
  redis: [{ name: 'v-node', port: 7020, clusterEnabled: true }],
  etcd: [{ name: 'v-etcd', clientPort: 7030, peerPort: 7040 }],
  sentinels: {
    nodes: [{ name: 'v-sentinel', port: 7050 }],
    settings: { masters: ['v-node'], quorum: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 },
  },
  services: [{ name: 'v-service', port: 7001, redis: ['v-node'] }],
};
const withEngines: PatternTopology = {
  ...kitDemo,
  engines: { default: 'router', others: { real: () => variant } },
};

describe('topologyForEngine', () => {
  it('gives the base topology for no engine or the default one, and the variant for another', () => {
    expect(topologyForEngine(withEngines)).toBe(withEngines);
    expect(topologyForEngine(withEngines, 'router')).toBe(withEngines);
    expect(topologyForEngine(withEngines, 'real')).toBe(variant);
    expect(defaultEngine(withEngines)).toBe('router');
    expect(defaultEngine(kitDemo)).toBeNull();
    expect(engineVariants([withEngines, kitDemo]).map((v) => v.engine)).toEqual(['real']);
  });

  it('refuses an unknown engine with the list, and --engine on a pattern with one engine', () => {
    expect(() => topologyForEngine(withEngines, 'nope')).toThrow(
      /no engine 'nope'; its engines: router, real/,
    );
    expect(() => topologyForEngine(kitDemo, 'real')).toThrow(/runs on one engine only/);
  });

  it('refuses a variant that renames the pattern', () => {
    const renamed: PatternTopology = {
      ...kitDemo,
      engines: { default: 'router', others: { real: () => ({ ...variant, name: 'other' }) } },
    };
    expect(() => topologyForEngine(renamed, 'real')).toThrow(/returned topology 'other'/);
  });
});

describe('engine ports', () => {
  it('lists etcd client and peer ports and sentinels in the block, bus ports apart, and shifts them all', () => {
    expect(portsOf(variant).map((p) => p.port)).toEqual([7020, 7001, 7030, 7040, 7050]);
    expect(clusterBusPortsOf(variant)).toEqual([{ owner: 'v-node.bus', port: 17020 }]);
    const shifted = offsetTopology(variant, 100);
    expect(portsOf(shifted).map((p) => p.port)).toEqual([7120, 7101, 7130, 7140, 7150]);
    expect(clusterBusPortsOf(shifted)).toEqual([{ owner: 'v-node.bus', port: 17120 }]);
  });
});

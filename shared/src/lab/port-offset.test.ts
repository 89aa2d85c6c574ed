import { describe, expect, it } from 'vitest';
import { portsOf } from '../topology/index.ts';
import { topology as kitDemo } from '../demo/topology.ts';
import { loadPatternTopologies } from './registry.ts';
import { offsetTopology } from './port-offset.ts';

describe('offsetTopology', () => {
  it('moves every port, extra ports included, by the offset and leaves the declaration as it was', async () => {
    const [bloom] = (await loadPatternTopologies()).filter((t) => t.name === 'bloom-sstable');
    if (!bloom) throw new Error('bloom-sstable topology missing');
    const shifted = offsetTopology(bloom, 1000);
    expect(portsOf(shifted).map((p) => p.port)).toEqual(portsOf(bloom).map((p) => p.port + 1000));
    expect(shifted.services[0]?.extraPorts).toEqual({ respPort: 8702 });
    expect(bloom.services[0]?.extraPorts).toEqual({ respPort: 7702 });
  });

  it('refuses an offset that moves a port out of range, naming the owner', () => {
    expect(() => offsetTopology(kitDemo, 60_000)).toThrow(/demo-redis's port 7010 out of range/);
  });
});

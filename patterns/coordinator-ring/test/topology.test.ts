import { describe, expect, it } from 'vitest';
import { topology, topologyOfSize } from '../src/topology.ts';

describe('coordinator-ring topology', () => {
  it('the default ring is 3 nodes, each with its own AOF Redis and every other node as a peer', () => {
    expect(topology.services.map((s) => [s.name, s.port, s.redis])).toEqual([
      ['ring-1', 7101, ['ring-1-redis']],
      ['ring-2', 7102, ['ring-2-redis']],
      ['ring-3', 7103, ['ring-3-redis']],
    ]);
    expect(topology.redis.every((r) => r.appendOnly)).toBe(true);
    expect(topology.services[0]?.peers).toEqual(['ring-2', 'ring-3']);
  });

  it('a ring of 5 uses ports 7101..7105 and 7111..7115, and each node lists the 4 others', () => {
    const five = topologyOfSize(5);
    expect(five.name).toBe('coordinator-ring');
    expect(five.services.map((s) => s.port)).toEqual([7101, 7102, 7103, 7104, 7105]);
    expect(five.redis.map((r) => r.port)).toEqual([7111, 7112, 7113, 7114, 7115]);
    for (const service of five.services) {
      expect(service.peers).toHaveLength(4);
      expect(service.peers).not.toContain(service.name);
    }
  });

  it('sizes outside 3..9 are refused', () => {
    expect(() => topologyOfSize(2)).toThrow(RangeError);
    expect(() => topologyOfSize(10)).toThrow(RangeError);
  });
});

describe('coordinator-ring topology on etcd', () => {
  it('the etcd engine runs 3 thin instances over 3 etcd members in the same port block, with no Redis', async () => {
    const { etcdTopology } = await import('../src/topology.ts');
    expect(topology.engines?.default).toBe('raft');
    const etcd = etcdTopology();
    expect(topology.engines?.others.etcd?.().etcd).toEqual(etcd.etcd);
    expect(etcd.redis).toEqual([]);
    expect(etcd.etcd?.map((m) => [m.clientPort, m.peerPort])).toEqual([
      [7121, 7131],
      [7122, 7132],
      [7123, 7133],
    ]);
    expect(etcd.services.map((s) => [s.name, s.port, s.etcd])).toEqual(
      ['ring-e1', 'ring-e2', 'ring-e3'].map((name, i) => [
        name,
        7101 + i,
        ['ring-etcd-1', 'ring-etcd-2', 'ring-etcd-3'],
      ]),
    );
    const names = new Set([...topology.services, ...topology.redis].map((p) => p.name));
    expect([...etcd.services, ...(etcd.etcd ?? [])].some((p) => names.has(p.name))).toBe(false);
  });
});

import type { PatternTopology } from '../topology/index.ts';
import { LabError } from './lab-error.ts';

const shiftPort = (port: number, offset: number, owner: string): number => {
  const shifted = port + offset;
  if (shifted < 1 || shifted > 65_535) {
    throw new LabError(`LAB_PORT_OFFSET=${offset} moves ${owner}'s port ${port} out of range (${shifted})`);
  }
  return shifted;
};

/**
 * The same topology with every port moved by `offset`; the declaration itself stays untouched.
 * Cluster bus ports follow by themselves (always port + 10000).
 */
export function offsetTopology(topology: PatternTopology, offset: number): PatternTopology {
  if (offset === 0) return topology;
  return {
    ...topology,
    portBlock: topology.portBlock + offset,
    redis: topology.redis.map((node) => ({ ...node, port: shiftPort(node.port, offset, node.name) })),
    services: topology.services.map((service) => ({
      ...service,
      port: shiftPort(service.port, offset, service.name),
      extraPorts: Object.fromEntries(
        Object.entries(service.extraPorts ?? {}).map(([key, port]) => [
          key,
          shiftPort(port, offset, `${service.name}.${key}`),
        ]),
      ),
    })),
    ...(topology.etcd
      ? {
          etcd: topology.etcd.map((member) => ({
            ...member,
            clientPort: shiftPort(member.clientPort, offset, member.name),
            peerPort: shiftPort(member.peerPort, offset, `${member.name}.peer`),
          })),
        }
      : {}),
    ...(topology.sentinels
      ? {
          sentinels: {
            ...topology.sentinels,
            nodes: topology.sentinels.nodes.map((node) => ({
              ...node,
              port: shiftPort(node.port, offset, node.name),
            })),
          },
        }
      : {}),
  };
}

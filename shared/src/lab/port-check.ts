import { isPortFree } from '../process/free-port.ts';
import { findPortOwner } from '../process/port-owner.ts';
import { clusterBusPortsOf, portsOf, type PatternTopology } from '../topology/index.ts';
import { LabError } from './lab-error.ts';

/**
 * Fails before anything starts if one of the topology's ports is taken,
 * naming the port, the lab process meant for it and, where the OS tells, who holds it.
 */
export async function assertPortsFree(topology: PatternTopology): Promise<void> {
  // Cluster nodes also bind their bus port (port + 10000), outside the block but just as needed.
  const ports = [...portsOf(topology), ...clusterBusPortsOf(topology)];
  const free = await Promise.all(ports.map(({ port }) => isPortFree(port)));
  const taken = ports.filter((_, i) => free[i] === false);
  if (taken.length === 0) return;
  const lines = taken.map(({ owner, port }) => {
    const holder = findPortOwner(port);
    const heldBy = holder ? `pid ${holder.pid} (${holder.command})` : 'another process';
    return `  port ${port} (for ${owner}) is already in use by ${heldBy}`;
  });
  throw new LabError(
    [
      `cannot start ${topology.name}: ${taken.length === 1 ? 'a port is' : 'ports are'} taken`,
      ...lines,
      'Stop that process (`pnpm lab status` lists what the lab runs), or move every port with LAB_PORT_OFFSET=<n>.',
    ].join('\n'),
  );
}

import { call } from '../test/support/coordinator-ring-lab.ts';
import type { NodeStatus, RingCluster } from '../test/support/coordinator-ring-lab.ts';

/** The figure: a node restarted after this many committed writes (RING_RESTART_WRITES changes it). */
export const restartWrites = Math.max(1_000, Number(process.env.RING_RESTART_WRITES) || 100_000);
const writers = 128;

interface SnapshotStatus extends NodeStatus {
  snapshotIndex?: number;
}

/**
 * Restart after many committed writes: time a follower's restart (process
 * start until it answers /readyz) before and after `restartWrites` distinct
 * keys are written through the leader, and what it loaded: the log tail after
 * its snapshot, not the whole log.
 */
export async function restartAfterWrites(
  cluster: RingCluster,
  progress: (line: string) => void,
): Promise<string> {
  const leader = await cluster.waitForLeader({ everyone: true });
  const follower = cluster.nodes.find((n) => n.name !== leader.id);
  if (!follower) throw new Error('no follower');
  const freshMs = await timedRestart(cluster, follower.name);
  progress(`restart before the writes: ${freshMs} ms`);

  let next = 0;
  let acked = 0;
  let lastIndex = 0;
  let leaderUrl = cluster.node(leader.id).url;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < restartWrites) {
        const i = next++;
        // Straight to the leader (no forwarding hop); asked again only when a write is refused.
        let reply = await call(`${leaderUrl}/kv/restart-${i}`, 'PUT', { value: `v${i}` }, 10_000);
        while (reply?.status !== 200) {
          leaderUrl = cluster.node((await cluster.waitForLeader()).id).url;
          reply = await call(`${leaderUrl}/kv/restart-${i}`, 'PUT', { value: `v${i}` }, 10_000);
        }
        acked += 1;
        lastIndex = Math.max(lastIndex, Number(reply.body.index));
        if (acked % 10_000 === 0) progress(`restart bench: ${acked} writes committed`);
      }
    }),
  );
  const writeSeconds = Math.round((performance.now() - startedAt) / 1_000);
  await waitApplied(follower.status.bind(follower), lastIndex);
  const before: SnapshotStatus | undefined = await follower.status();
  const afterMs = await timedRestart(cluster, follower.name);
  const after: SnapshotStatus | undefined = await follower.status();
  const stats = await call(`${follower.url}/stats`);
  const loadMs = (stats?.body.counters as Record<string, number> | undefined)?.startUpMs;
  const tail = (after?.lastLogIndex ?? 0) - (after?.snapshotIndex ?? 0);
  progress(
    `restart after ${acked} writes: ${afterMs} ms, of which ${loadMs} ms reading state (log tail ${tail} entries)`,
  );
  return (
    `restart of a follower after ${acked.toLocaleString('en-US')} committed writes of distinct keys (written in ${writeSeconds} s, ${writers} writers): ` +
    `it read its durable state in ${loadMs} ms (target < 2000 ms) and answered /readyz ${afterMs} ms after the process was started (the same node before the writes: ${freshMs} ms: the rest is process start-up under this load); ` +
    `it read its snapshot position ${after?.snapshotIndex ?? 0} and a log tail of ${tail} entries, not ${before?.lastLogIndex ?? 0}. ` +
    'Command: `RING_RESTART_WRITES=100000 pnpm bench coordinator-ring`.'
  );
}

async function timedRestart(cluster: RingCluster, name: string): Promise<number> {
  const node = cluster.node(name);
  await node.kill();
  const startedAt = performance.now();
  await node.start();
  return Math.round(performance.now() - startedAt);
}

async function waitApplied(status: () => Promise<NodeStatus | undefined>, index: number): Promise<void> {
  for (;;) {
    if (((await status())?.lastApplied ?? 0) >= index) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

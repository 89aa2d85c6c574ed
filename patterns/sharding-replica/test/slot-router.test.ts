import { RedisNode } from '@kvs-lab/shared/redis';
import { classifyInfrastructureError } from '@kvs-lab/shared/service';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotRouter, addressOf } from '../src/engines/cluster/slot-router.ts';

// One real cluster-enabled redis-server that serves no slot: every keyed command answers CLUSTERDOWN,
// as a restarted master does until the cluster takes it back, while WAIT (no key) still answers.
describe('slot router: a refused command inside a pipeline', () => {
  let redis: RedisHandle;
  let node: RedisNode;
  let router: SlotRouter;

  beforeAll(async () => {
    redis = await startRedis({ name: 'slotless', extraArgs: ['--cluster-enabled', 'yes'] });
    node = new RedisNode({ name: 'slotless', url: redis.url, host: redis.host, port: redis.port });
    router = new SlotRouter([node], 1_000);
    router.ranges = [{ start: 0, end: 16383, master: addressOf(node), replicas: [] }];
  });

  afterAll(async () => {
    await router?.close();
    await node?.close();
    await stopAllRedis();
  });

  it('when the SET of a SET+WAIT is refused, then the write fails (503, nothing applied) instead of being acknowledged by the WAIT', async () => {
    const write = router.send<number>(
      'k',
      'master',
      (p) => {
        p.set('k', 'v');
        p.wait(0, 100);
      },
      { isSlow: true },
    );
    const error = await write.then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect(String(error)).toMatch(/^ReplyError: CLUSTERDOWN/);
    expect(classifyInfrastructureError(error)).toMatchObject({ status: 503, outcome: 'not_applied' });
    // The pipeline's last reply alone (WAIT's) would have said 0 replicas, no error.
    const [setReply, waitReply] = (await node.client.pipeline().set('k', 'v').wait(0, 100).exec()) ?? [];
    expect(String(setReply?.[0])).toMatch(/CLUSTERDOWN/);
    expect(waitReply).toEqual([null, 0]);
  });
});

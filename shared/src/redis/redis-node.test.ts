import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp } from '../demo/demo-app.ts';
import type { Service } from '../service/index.ts';
import { startRedis, stopAllRedis } from '../testing/index.ts';
import type { RedisHandle } from '../testing/index.ts';
import { RedisNode } from './redis-node.ts';

async function eventually(probe: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await probe()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not within ${withinMs} ms`);
}

describe('Redis kit against a real redis-server', () => {
  let redis: RedisHandle;
  let node: RedisNode;
  let app: Service;

  beforeAll(async () => {
    redis = await startRedis({ name: 'kit-node' });
    node = new RedisNode({ name: 'demo-redis', url: redis.url, host: redis.host, port: redis.port });
    expect(await node.ready()).toBe(true);
    app = createDemoApp({ redis: node });
  });

  afterAll(async () => {
    await app.close();
    await stopAllRedis();
  });

  it('when its Redis node is killed, then /readyz is 503 within 1 s, and 200 again after restart', async () => {
    expect((await request(app.server).get('/readyz')).status).toBe(200);
    await redis.kill();
    await eventually(async () => (await request(app.server).get('/readyz')).status === 503, 1_000);
    const down = await request(app.server).get('/readyz');
    expect(down.body).toMatchObject({ code: 'NOT_READY', checks: [{ name: 'redis:demo-redis', ok: false }] });
    // A write while the node is down is refused as not applied, at once.
    const write = await request(app.server).post('/counters/a/increments').send({ by: 1 });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({
      code: 'REDIS_UNAVAILABLE',
      outcome: 'not_applied',
      node: 'demo-redis',
    });
    await redis.restart();
    await eventually(async () => (await request(app.server).get('/readyz')).status === 200, 3_000);
  });

  it('when the node is paused (SIGSTOP), then a command fails as indeterminate (504) instead of hanging', async () => {
    redis.pause();
    try {
      const res = await request(app.server).post('/counters/b/increments').send({ by: 1 });
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ code: 'REDIS_TIMEOUT', outcome: 'indeterminate' });
    } finally {
      redis.resume();
    }
    await eventually(async () => (await request(app.server).get('/readyz')).status === 200, 3_000);
  });

  it('when /chaos cuts the link, then commands fail at once with 503 and readiness names the node; healing restores it', async () => {
    const cut = await request(app.server).put('/chaos/links/demo-redis').send({ mode: 'cut' });
    expect(cut.body).toEqual({ node: 'demo-redis', state: { mode: 'cut' } });
    const res = await request(app.server).get('/counters/c');
    expect(res.status).toBe(503);
    expect(res.body.detail).toContain('cut');
    expect((await request(app.server).get('/readyz')).status).toBe(503);
    expect((await request(app.server).delete('/chaos')).status).toBe(200);
    expect((await request(app.server).get('/counters/c')).status).toBe(200);
  });

  it('when /chaos slows the link, then commands still succeed and the state is reported', async () => {
    await request(app.server).put('/chaos/links/demo-redis').send({ mode: 'slow', delayMs: 50 });
    const state = await request(app.server).get('/chaos');
    expect(state.body.links).toEqual([{ node: 'demo-redis', state: { mode: 'slow', delayMs: 50 } }]);
    const res = await request(app.server).post('/counters/d/increments').send({ by: 2 });
    expect(res.body).toEqual({ name: 'd', value: 2 });
    await request(app.server).delete('/chaos');
  });

  it('when /chaos names an unknown node or a bad mode, then 404 / 400 and nothing changes', async () => {
    expect((await request(app.server).put('/chaos/links/nope').send({ mode: 'cut' })).status).toBe(404);
    expect((await request(app.server).put('/chaos/links/demo-redis').send({ mode: 'slow' })).status).toBe(
      400,
    );
    expect((await request(app.server).get('/chaos')).body.links[0].state).toEqual({ mode: 'ok' });
  });
});

describe('kit demo /check over its recorded history', () => {
  it('when concurrent increments and reads run, some during a fault, then /check finds the counter promise held', async () => {
    const redis = await startRedis({ name: 'check' });
    const node = new RedisNode({ name: 'demo-redis', url: redis.url, host: redis.host, port: redis.port });
    await node.ready();
    const app = createDemoApp({ redis: node });
    try {
      const burst = () =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            i % 4 === 0
              ? request(app.server).get('/counters/hits')
              : request(app.server).post('/counters/hits/increments').send({}),
          ),
        );
      await burst();
      await request(app.server).put('/chaos/links/demo-redis').send({ mode: 'cut' });
      await burst();
      await request(app.server).delete('/chaos');
      await burst();
      const verdict = await request(app.server).get('/check');
      expect(verdict.body).toMatchObject({ valid: true, checkedOperations: 60, evictedOperations: 0 });
      const history = await request(app.server).get('/history?limit=60');
      const outcomes = (history.body.operations as { outcome: string }[]).map((op) => op.outcome);
      expect(outcomes.filter((o) => o === 'fail')).toHaveLength(20);
      expect((await request(app.server).get('/history?limit=0')).status).toBe(400);
    } finally {
      await app.close();
      await redis.stop();
    }
  });
});

describe('blocking commands', () => {
  it('when a blocking read waits longer than the 200 ms command timeout, then its own client still gets the answer', async () => {
    const redis = await startRedis({ name: 'blocking' });
    const node = new RedisNode({ name: 'n', url: redis.url, host: redis.host, port: redis.port });
    await node.ready();
    const blocking = await node.blockingClient();
    try {
      const waiting = blocking.blpop('lab:test:queue', 5);
      await new Promise((r) => setTimeout(r, 500));
      await node.run((c) => c.rpush('lab:test:queue', 'job-1'));
      expect(await waiting).toEqual(['lab:test:queue', 'job-1']);
      // The fail-fast client would have cut the same wait at 200 ms.
      await expect(node.run((c) => c.blpop('lab:test:empty', 1))).rejects.toMatchObject({
        code: 'REDIS_TIMEOUT',
      });
    } finally {
      blocking.disconnect();
      await node.close();
      await redis.stop();
    }
  });
});

describe('RedisNode auto-pipelining', () => {
  let redis: RedisHandle;

  beforeAll(async () => {
    redis = await startRedis({ name: 'kit-pipelining' });
  });

  afterAll(async () => {
    await stopAllRedis();
  });

  const address = () => ({ name: 'pipelined', url: redis.url, host: redis.host, port: redis.port });

  it('when it is on, then commands issued in one turn queue into one pipeline; off, none queue', async () => {
    const on = new RedisNode(address(), { autoPipelining: true });
    const off = new RedisNode(address());
    expect(await on.ready()).toBe(true);
    expect(await off.ready()).toBe(true);
    const together = [on.run((c) => c.set('a', '1')), on.run((c) => c.get('a')), on.run((c) => c.get('b'))];
    // run() calls the command synchronously while the link is healthy: all three sit in one queue now.
    expect(on.client.autoPipelineQueueSize).toBe(3);
    expect(await Promise.all(together)).toEqual(['OK', '1', null]);
    const apart = [off.run((c) => c.get('a')), off.run((c) => c.get('b'))];
    expect(off.client.autoPipelineQueueSize).toBe(0);
    expect(await Promise.all(apart)).toEqual(['1', null]);
    await Promise.all([on.close(), off.close()]);
  });
});

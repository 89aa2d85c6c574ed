import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from './support/sharding-replica-lab.ts';
import type { TestCluster } from './support/sharding-replica-lab.ts';

// The live view draws the mechanism: the ring by shard, master/replica pairs with their health, keys
// flowing during a rebalance, hot keys and failovers. The test drives exercises 2 and 3 (add a shard,
// kill a master) and checks that the picture changed as they promise, then that a fresh page matches.
describe('live view (headless Chromium, 1400x900)', () => {
  let browser: Browser;
  let cluster: TestCluster;
  let baseUrl: string;

  beforeAll(async () => {
    cluster = await startCluster();
    const address = await cluster.service.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await stopAllRedis();
  });

  const open = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await page.locator('g.sr-pair[data-shard="shard-4"]').waitFor({ timeout: 15_000 });
    return page;
  };

  const failedOver = (page: Page) => ({
    promoted: page.locator(
      'g.sr-pair[data-shard="shard-2"] g.sr-node[data-role="master"][data-node="shard-2-replica"][data-promoted="true"]',
    ),
    deadOld: page.locator(
      'g.sr-pair[data-shard="shard-2"] g.sr-node[data-role="replica"][data-node="shard-2-master"][data-health="dead"]',
    ),
  });

  it('when a shard is added, keys flow onto it and the ring takes its colour; when a master is killed, its replica is drawn as the master and the old one dead; a fresh page draws the same', async () => {
    const page = await open();
    // The snapshot: 3 x 160 virtual nodes, the standby shard off the ring, every node up.
    expect(await page.locator('#sr-ring line.sr-vnode').count()).toBe(480);
    expect(await page.locator('#sr-ring path.sr-arc[data-shard="shard-4"]').count()).toBe(0);
    expect(await page.locator('g.sr-pair[data-shard="shard-4"]').getAttribute('data-state')).toBe('standby');
    expect(await page.locator('g.sr-node[data-health="up"]').count()).toBe(8);
    expect(await page.locator('#sr-rebalance').getAttribute('data-status')).toBe('none');

    const api = request(baseUrl);
    for (let i = 0; i < 60; i++)
      expect((await api.put(`/kv/order-${i}`).send({ value: 'x' })).status).toBe(200);
    expect((await api.post('/shards')).status).toBe(202);
    await page.locator('#sr-rebalance[data-status="done"]').waitFor({ timeout: 15_000 });
    const moved = (await api.get('/rebalance')).body.rebalance as { movedTo: Record<string, number> };
    const flows = page.locator('#sr-rebalance path.sr-flow[data-to="shard-4"]');
    expect(await flows.count()).toBeGreaterThan(0);
    let carried = 0;
    for (const flow of await flows.all()) carried += Number(await flow.getAttribute('data-keys'));
    expect(carried).toBe(moved.movedTo['shard-4']);
    expect(carried).toBeGreaterThan(0);
    await page.locator('[data-share="shard-4"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#sr-ring line.sr-vnode').count()).toBe(640);
    expect(await page.locator('#sr-ring path.sr-arc[data-shard="shard-4"]').count()).toBeGreaterThan(0);

    await cluster.handle('shard-2-master').kill();
    const live = failedOver(page);
    await live.promoted.waitFor({ timeout: 10_000 });
    await live.deadOld.waitFor({ timeout: 10_000 });
    await page.locator('#sr-failovers tr[data-failover="shard-2"]').waitFor({ timeout: 5_000 });
    // Other shards never failed.
    expect(await page.locator('g.sr-pair[data-shard="shard-1"] g.sr-node[data-health="up"]').count()).toBe(2);

    const fresh = await open();
    const again = failedOver(fresh);
    await again.promoted.waitFor({ timeout: 5_000 });
    await again.deadOld.waitFor({ timeout: 5_000 });
    expect(await fresh.locator('#sr-rebalance').getAttribute('data-status')).toBe('done');
    expect(await fresh.locator('#sr-ring line.sr-vnode').count()).toBe(640);
    expect(await fresh.locator('#sr-failovers tr[data-failover]').count()).toBe(
      await page.locator('#sr-failovers tr[data-failover]').count(),
    );
    // The main picture (ring and pairs) is on screen without scrolling, and nothing scrolls sideways.
    for (const id of ['#sr-ring', '#sr-pairs']) {
      const box = await fresh.locator(id).boundingBox();
      expect(box).not.toBeNull();
      expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(900);
    }
    expect(await sidewaysOverflowPx(fresh)).toBe(0);
    expect(await accessibilityViolations(fresh)).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await Promise.all([page.close(), fresh.close()]);
  }, 90_000);
});

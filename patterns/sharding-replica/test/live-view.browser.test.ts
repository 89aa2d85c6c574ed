import { launchBrowser, stopAllRedis } from '@kvs-lab/shared/testing';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from './cluster.ts';
import type { TestCluster } from './cluster.ts';

describe('live view (headless Chromium)', () => {
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

  it('when a shard is added and then a master is killed, then the page shows the rebalance, the new ring share and the failover', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    // The snapshot draws the ring (3 x 160 virtual nodes) and four shard cards.
    await page.locator('[data-shard="shard-4"][data-state="standby"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#sr-ring line').count()).toBe(480);

    const api = request(baseUrl);
    await api.put('/kv/hello').send({ value: 'world' });
    expect((await api.post('/shards')).status).toBe(202);
    await page.locator('#sr-rebalance [data-status="done"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-share="shard-4"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#sr-ring line').count()).toBe(640);

    await cluster.handle('shard-2-master').kill();
    await page
      .locator('[data-failover="shard-2"]', { hasText: 'shard-2-replica' })
      .waitFor({ timeout: 10_000 });
    await page
      .locator('[data-shard="shard-2"] [data-role="master"]', { hasText: 'shard-2-replica' })
      .waitFor({
        timeout: 10_000,
      });
    expect(await page.locator('#lab-log').textContent()).toContain('shard:failover');
    await page.close();
  }, 90_000);
});

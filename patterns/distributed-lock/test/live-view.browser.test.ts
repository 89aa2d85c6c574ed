import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, stopAllRedis } from '@kvs-lab/shared/testing';
import { post, startLockCluster } from './lock-cluster.ts';
import type { LockCluster, LockInstance } from './lock-cluster.ts';

describe('live view (headless Chromium)', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  let b: LockInstance;
  let browser: Browser;
  beforeAll(async () => {
    cluster = await startLockCluster();
    [a, b] = cluster.instances as [LockInstance, LockInstance];
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await stopAllRedis();
  });

  it('shows the holder (granted by either instance), accepted and rejected writes, and a cut node as they happen', async () => {
    const page = await browser.newPage();
    await page.goto(`${a.url}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    await page.locator('[data-node="lock-3"]', { hasText: 'up' }).waitFor({ timeout: 5_000 });

    const old = await post(`${a.url}/locks/invoice`, { ttlMs: 300, owner: 'alice' });
    await page.locator('tr[data-resource="invoice"]', { hasText: 'alice' }).waitFor({ timeout: 5_000 });

    // A waiter on the other instance shows up once the page polls, then takes over.
    const next = await post(`${b.url}/locks/invoice`, { ttlMs: 10_000, waitMs: 5_000, owner: 'bob' });
    expect(next.status).toBe(201);
    await page
      .locator('tr[data-resource="invoice"]', { hasText: `bob (lock-b)` })
      .waitFor({ timeout: 5_000 });
    await post(`${a.url}/resources/invoice/writes`, {
      fencingToken: next.body.fencingToken,
      data: 'new',
      writer: 'bob',
    });
    await post(`${a.url}/resources/invoice/writes`, {
      fencingToken: old.body.fencingToken,
      data: 'old',
      writer: 'alice',
    });
    await page.locator('.lock-write--rejected', { hasText: 'alice' }).waitFor({ timeout: 5_000 });
    await page.locator('.lock-write--accepted', { hasText: 'bob' }).waitFor({ timeout: 5_000 });

    await fetch(`${a.url}/chaos/links/lock-3`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'cut' }),
    });
    await page.locator('[data-node="lock-3"]', { hasText: 'DOWN' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#lab-log').textContent()).toContain('lock:acquired');
    await fetch(`${a.url}/chaos`, { method: 'DELETE' });
    await page.close();
  });
});

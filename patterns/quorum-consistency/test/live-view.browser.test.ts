import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab } from './lab.ts';
import type { Lab } from './lab.ts';

let lab: Lab;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  lab = await startLab({ settings: { sloppyQuorum: true } });
  baseUrl = lab.urls.a;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await lab?.close();
  await stopAllRedis();
});

describe('live view (headless Chromium)', () => {
  it('when writes, a dead replica, hints and anti-entropy happen, then the page shows versions, acknowledgements, hints and Merkle ranges', async () => {
    await request(baseUrl).put('/kv/before').send({ value: 'in the snapshot' });
    const page = await browser.newPage();
    try {
      await page.goto(`${baseUrl}/`);
      await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      await page
        .locator('[data-key="before"] [data-replica="replica-2"]', { hasText: 'in the snapshot' })
        .waitFor({ timeout: 5_000 });
      await page.locator('#qc-settings', { hasText: 'W=2 R=2' }).waitFor({ timeout: 5_000 });

      // A write through the other coordinator shows up too: the page reads each replica directly.
      await request(lab.b.server).put('/kv/cart').send({ value: 'pears' });
      await request(baseUrl).put('/kv/cart').send({ value: 'apples' });
      await page
        .locator('[data-key="cart"] [data-replica="replica-1"]', { hasText: 'quorum-a:1' })
        .waitFor({ timeout: 5_000 });

      await lab.replica('replica-3').kill();
      await request(baseUrl).put('/kv/while-down').send({ value: 'hinted' });
      await page.locator('#qc-acks .qc-fail', { hasText: 'replica-3' }).waitFor({ timeout: 5_000 });
      await page
        .locator('#qc-hints', { hasText: '1 for replica-3 held by replica-1' })
        .waitFor({ timeout: 5_000 });

      await request(baseUrl).post('/anti-entropy');
      await page.locator('#qc-merkle', { hasText: 'leaf ranges differ' }).waitFor({ timeout: 5_000 });
    } finally {
      await page.close();
    }
  });

  it('a freshly opened page shows the last anti-entropy round, and the key table is searchable and paged ("40 of N")', async () => {
    for (let i = 1; i <= 45; i++)
      await request(baseUrl)
        .put(`/kv/item-${i}`)
        .send({ value: `v${i}` });
    await request(baseUrl).post('/anti-entropy');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${baseUrl}/`);
      await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      // From the snapshot alone: no round ran since the page opened.
      await page.locator('#qc-merkle', { hasText: 'keys repaired' }).waitFor({ timeout: 5_000 });
      const total = (await request(baseUrl).get('/keys?limit=1')).body.total as number;
      expect(total).toBeGreaterThan(45);
      await page.locator('#qc-count', { hasText: `40 of ${total} keys` }).waitFor({ timeout: 5_000 });
      expect(await page.locator('#qc-keys tbody tr').count()).toBe(40);

      // Natural order, filtered: item-1 and item-10..19 contain "item-1".
      await page.fill('#qc-search', 'item-1');
      await page
        .locator('#qc-count', { hasText: `11 of 11 matching "item-1" (${total} keys in all)` })
        .waitFor({ timeout: 5_000 });
      expect(await page.locator('#qc-keys tbody tr th').allTextContents()).toEqual([
        'item-1',
        ...Array.from({ length: 10 }, (_, i) => `item-${10 + i}`),
      ]);

      expect(await sidewaysOverflowPx(page)).toBe(0);
      expect(await accessibilityViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

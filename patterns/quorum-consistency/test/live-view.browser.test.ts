import { launchBrowser, stopAllRedis } from '@kvs-lab/shared/testing';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, it } from 'vitest';
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
        .locator('[data-replica="replica-2"] [data-key="before"]', { hasText: 'in the snapshot' })
        .waitFor({ timeout: 5_000 });
      await page.locator('#qc-settings', { hasText: 'W=2 R=2' }).waitFor({ timeout: 5_000 });

      // A write through the other coordinator shows up too: the page reads each replica directly.
      await request(lab.b.server).put('/kv/cart').send({ value: 'pears' });
      await request(baseUrl).put('/kv/cart').send({ value: 'apples' });
      await page
        .locator('[data-replica="replica-1"] [data-key="cart"]', { hasText: 'quorum-a:1' })
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
});

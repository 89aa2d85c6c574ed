import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '@kvs-lab/shared/testing';
import type { TestApp } from './harness.ts';
import { removeTempDirs, startTestApp } from './harness.ts';

describe('live view (headless Chromium)', () => {
  let browser: Browser;
  let app: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    app = await startTestApp('live-view');
    const address = await app.service.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.service.close();
    removeTempDirs();
  });

  it('when writes fill the memtable, a flush makes an L0 file and an absent key is read, then the page shows each step', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });

    await request(baseUrl).put('/kv/live:1').send({ value: 'a' }).expect(200);
    await request(baseUrl).put('/kv/live:3').send({ value: 'c' }).expect(200);
    await page.locator('#lsm-memtable[data-entries="2"]').waitFor({ timeout: 15_000 });

    const flush = await request(baseUrl).post('/flush').expect(200);
    await page
      .locator(`[data-level="0"] [data-file="${flush.body.fileNumber}"]`)
      .waitFor({ timeout: 15_000 });

    // Inside the table's key range, so only the Bloom filter can rule it out.
    await request(baseUrl).get('/kv/live:2').expect(404);
    await page.locator('#lsm-read-path [data-outcome="bloom-negative"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#lab-log').textContent()).toContain('memtable:flushed');
    await page.close();
  }, 90_000);
});

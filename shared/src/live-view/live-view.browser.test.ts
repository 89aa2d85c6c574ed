import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp } from '../demo/demo-app.ts';
import { RedisNode } from '../redis/index.ts';
import type { Service } from '../service/index.ts';
import { launchBrowser } from '../testing/browser.ts';
import { accessibilityViolations, sidewaysOverflowPx, startRedis, stopAllRedis } from '../testing/index.ts';

describe('live view (headless Chromium against the kit demo)', () => {
  let browser: Browser;
  let app: Service;
  let baseUrl: string;

  beforeAll(async () => {
    const redis = await startRedis({ name: 'live-view' });
    const node = new RedisNode({ name: 'demo-redis', url: redis.url, host: redis.host, port: redis.port });
    await node.ready();
    app = createDemoApp({ redis: node });
    const address = await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await stopAllRedis();
  });

  it('when a counter is incremented through the API, then the open page shows the new value and logs the event', async () => {
    await request(baseUrl).post('/counters/before/increments').send({ by: 2 });
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    // The snapshot draws what existed before the page opened.
    await page.locator('[data-counter="before"]', { hasText: 'before: 2' }).waitFor({ timeout: 5_000 });

    await request(baseUrl).post('/counters/visits/increments').send({ by: 5 });
    await page.locator('[data-counter="visits"]', { hasText: 'visits: 5' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#lab-log').textContent()).toContain('counter:changed');

    // A fault injected through /chaos shows up in the page's log as it happens.
    await request(baseUrl).put('/chaos/links/demo-redis').send({ mode: 'cut' });
    await page.locator('#lab-log li.lab-log__fault', { hasText: 'demo-redis' }).waitFor({ timeout: 5_000 });
    await request(baseUrl).delete('/chaos');
    await page.close();
  });

  it('draws the recorded operations and faults in the trace panel, with the verdict on top, and steps back in time', async () => {
    await request(baseUrl).post('/counters/traced/increments').send({ by: 1 });
    await request(baseUrl).put('/chaos/links/demo-redis').send({ mode: 'slow', delayMs: 10 });
    await request(baseUrl).delete('/chaos');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-trace-verdict', { hasText: 'check: valid' }).waitFor({ timeout: 10_000 });
    await page.locator('rect.lab-trace__op--ok').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('rect.lab-trace__fault').count()).toBeGreaterThanOrEqual(2);
    // Faults cross every lane, so they are drawn beneath the operations: none may cover one from the pointer.
    const isFaultAboveAnOp = `(() => {
      const drawn = [...document.querySelectorAll('rect.lab-trace__fault, rect.lab-trace__op')];
      const firstOp = drawn.findIndex((e) => e.classList.contains('lab-trace__op'));
      return drawn.slice(firstOp).some((e) => e.classList.contains('lab-trace__fault'));
    })()`;
    expect(await page.evaluate(isFaultAboveAnOp)).toBe(false);
    await page.locator('rect.lab-trace__op--ok').last().click();
    expect(await page.locator('#lab-trace-details').textContent()).toContain('"outcome": "ok"');
    const before = await page.locator('#lab-trace-clock').textContent();
    await page.getByRole('button', { name: 'step back one event' }).click();
    expect(await page.locator('#lab-trace-follow').isChecked()).toBe(false);
    expect(await page.locator('#lab-trace-clock').textContent()).not.toBe(before);
    await page.close();
  });

  it('reads on the dark theme (no serious axe-core violation) and does not scroll sideways at 1400 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await page.close();
  });
});

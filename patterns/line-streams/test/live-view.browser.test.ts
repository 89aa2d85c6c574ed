import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  startRedis,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import { startInstance } from './helpers.ts';

describe('live view (headless Chromium)', () => {
  let browser: Browser;
  let api: LineStreamsApp;
  let worker: LineStreamsApp;
  let baseUrl: string;

  beforeAll(async () => {
    const redis = await startRedis({ name: 'line-live' });
    api = await startInstance(redis, { RATE_LIMIT: 0 });
    worker = await startInstance(redis, { ROLE: 'worker', SERVICE_NAME: 'worker-1', MAX_DELIVERIES: 1 });
    const address = await api.service.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.service.close();
    await api?.service.close();
    await stopAllRedis();
  });

  it('when messages are sent and one is dead-lettered, then the page shows the tape, inbox counts and the dead letter', async () => {
    await request(baseUrl)
      .put('/rooms/lobby/members')
      .send({ members: ['alice', 'bob'] });
    const first = await request(baseUrl)
      .post('/rooms/lobby/messages')
      .send({ senderId: 'alice', text: 'hello' });
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    // The snapshot draws the room that existed before the page opened.
    await page.locator(`[data-entry="lobby/${first.body.id}"]`).waitFor({ timeout: 10_000 });

    await request(worker.service.server)
      .post('/chaos/faults/poison')
      .send({ textContains: 'bad' })
      .expect(200);
    const poison = await request(baseUrl)
      .post('/rooms/lobby/messages')
      .send({ senderId: 'alice', text: 'bad one' });
    await page.locator(`[data-entry="lobby/${poison.body.id}"]`).waitFor({ timeout: 10_000 });
    await page.locator('[data-unread="bob"]', { hasText: 'bob: 1 unread' }).waitFor({ timeout: 10_000 });
    await page.locator('#dead-letter-count', { hasText: 'dead letters: 1' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#lab-log').textContent()).toContain('entry:dead-lettered');
    await page
      .locator('#recovery [data-kind="dead"]', { hasText: poison.body.id as string })
      .waitFor({ timeout: 5_000 });
    await page.close();
  });

  it('when rooms have full tapes and long ids, then the page does not scroll sideways in a 1400 px window and axe finds no serious violation', async () => {
    for (const room of ['wide-a', 'wide-b']) {
      for (let i = 0; i < 14; i += 1)
        await request(baseUrl)
          .post(`/rooms/${room}/messages`)
          .send({ senderId: 'alice', text: `a long enough message text ${i}` });
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await page.locator('[data-room="wide-b"] .tape__cell').nth(11).waitFor({ timeout: 10_000 });
    expect(await sidewaysOverflowPx(page)).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});

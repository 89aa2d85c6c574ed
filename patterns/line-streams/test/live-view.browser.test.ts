import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  startRedis,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import type { StreamSettings } from '../src/config.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

// The live view draws the consumer group: each consumer's pending entries as bars growing with
// their idle time, claims as arrows from the dead owner to the claimer, dead letters in their
// own column, and the rooms' tapes. Each test changes the system and checks the picture changed.
describe('live view (headless Chromium, 1400x900)', () => {
  let redis: RedisHandle;
  let browser: Browser;
  let api: LineStreamsApp;
  let baseUrl: string;
  const workers: LineStreamsApp[] = [];
  const worker = async (name: string, overrides: Partial<StreamSettings> = {}, onCrash?: () => void) => {
    const app = await startInstance(redis, { ROLE: 'worker', SERVICE_NAME: name, ...overrides }, onCrash);
    workers.push(app);
    return app;
  };
  const send = (room: string, text: string) =>
    request(baseUrl).post(`/rooms/${room}/messages`).send({ senderId: 'alice', text });

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-live' });
    api = await startInstance(redis, { RATE_LIMIT: 0, CLAIM_MIN_IDLE_MS: 1_500 });
    const address = await api.service.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.service.close();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.service.close();
    await stopAllRedis();
  });

  const open = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    return page;
  };

  it('when a poison message exhausts its deliveries, then the page draws it in the dead letters column', async () => {
    await request(baseUrl)
      .put('/rooms/lobby/members')
      .send({ members: ['alice', 'bob'] });
    const first = await send('lobby', 'hello');
    const w1 = await worker('worker-1', { MAX_DELIVERIES: 1, CLAIM_MIN_IDLE_MS: 300 });
    const page = await open();
    // The snapshot draws the room that existed before the page opened.
    await page
      .locator(`[data-room="lobby"] [data-entry="lobby/${first.body.id}"]`)
      .waitFor({ timeout: 10_000 });
    await page.locator('[data-unread="bob"]', { hasText: 'bob: 1 unread' }).waitFor({ timeout: 10_000 });

    await request(w1.service.server).post('/chaos/faults/poison').send({ textContains: 'bad' }).expect(200);
    const poison = await send('lobby', 'bad one');
    const dead = page.locator(`g.pel-entry[data-kind="dead"][data-pel-entry="lobby/${poison.body.id}"]`);
    await dead.waitFor({ timeout: 15_000 });
    expect(await dead.textContent()).toContain('max-deliveries');
    expect(await page.locator('g.pel-head[data-status="dead-letters"]').textContent()).toContain(
      'dead letters: 1',
    );
    await page.locator('#recovery [data-kind="dead"]', { hasText: poison.body.id as string }).waitFor({
      timeout: 5_000,
    });
    await page.close();
  });

  it('when a worker crashes holding entries, then its bars turn claimable, the other worker claims them, and a fresh page draws the claim', async () => {
    await request(baseUrl)
      .put('/rooms/crash/members')
      .send({ members: ['alice', 'bob'] });
    let crashed = false;
    const w1 = await worker('worker-1', { CLAIM_MIN_IDLE_MS: 1_500 }, () => (crashed = true));
    const page = await open();
    await request(w1.service.server)
      .post('/chaos/faults/crash-before-ack')
      .send({ afterEffects: 5 })
      .expect(200);
    await Promise.all(Array.from({ length: 30 }, (_, i) => send('crash', `b${i}`)));
    await waitFor(
      'worker-1 to crash',
      () => crashed,
      (c) => c,
    );
    const stranded = (
      (await request(baseUrl).get('/groups/delivery/pending')).body as { id: string; consumer: string }[]
    ).filter((p) => p.consumer === 'worker-1');
    expect(stranded.length).toBeGreaterThan(0);
    const first = stranded[0]?.id ?? '';

    // Held by the dead worker: drawn in its column, growing past the claim line; the consumer turns silent.
    const bar = page.locator(`g.pel-entry[data-pel-entry="crash/${first}"]`);
    await page
      .locator(`g.pel-entry[data-pel-entry="crash/${first}"][data-consumer="worker-1"]`)
      .waitFor({ timeout: 5_000 });
    await page
      .locator(`g.pel-entry[data-pel-entry="crash/${first}"][data-claimable="true"]`)
      .waitFor({ timeout: 10_000 });
    await page
      .locator('g.pel-head[data-consumer="worker-1"][data-status="silent"]')
      .waitFor({ timeout: 10_000 });
    expect(await bar.getAttribute('data-consumer')).toBe('worker-1');

    // A live worker claims them: an arrow from worker-1 to worker-2, and worker-1's column empties.
    await worker('worker-2', { CLAIM_MIN_IDLE_MS: 1_500 });
    const arrow = page.locator('g.pel-claim[data-claim-from="worker-1"][data-claim-to="worker-2"]');
    await arrow.first().waitFor({ timeout: 10_000 });
    expect(await arrow.first().getAttribute('data-claim-room')).toBe('crash');
    expect(await arrow.first().textContent()).toMatch(/worker-2 claimed .* from worker-1, delivery 2/);
    await waitFor(
      'worker-1 to hold nothing on the page',
      () => page.locator('g.pel-entry[data-consumer="worker-1"]').count(),
      (n) => n === 0,
    );

    // Full tapes in two more rooms, then a fresh page: the same claim from the snapshot, on one screen.
    for (const room of ['wide-a', 'wide-b'])
      for (let i = 0; i < 14; i += 1) await send(room, `a long enough message text ${i}`);
    const fresh = await open();
    await fresh.locator('[data-room="wide-b"] .tape__cell').nth(11).waitFor({ timeout: 10_000 });
    await fresh
      .locator('g.pel-claim[data-claim-from="worker-1"][data-claim-to="worker-2"]')
      .first()
      .waitFor({ timeout: 5_000 });
    const picture = await fresh.locator('#pel-picture svg').boundingBox();
    expect(picture).not.toBeNull();
    expect((picture?.y ?? 0) + (picture?.height ?? 0)).toBeLessThanOrEqual(900);
    expect(await sidewaysOverflowPx(fresh)).toBe(0);
    expect(await accessibilityViolations(fresh)).toEqual([]);
    await Promise.all([page.close(), fresh.close()]);
  });
});

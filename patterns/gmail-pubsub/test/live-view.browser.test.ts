import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineNames } from '../src/engines/fanout.ts';
import { publishMails } from './support/mail.ts';
import { connectRecorder, startPubsubLab, subscribeTo } from './support/gmail-pubsub-lab.ts';
import type { TestSocket } from './support/gmail-pubsub-lab.ts';

const row = (instance: string, attributes: string) =>
  `[data-instance="${instance}"] g.pubsub-client${attributes}`;

/** The page's quality bars: readable on the dark theme, no sideways scroll, the sockets picture on screen. */
async function checkQuality(page: Page): Promise<void> {
  expect(await accessibilityViolations(page)).toEqual([]);
  expect(await sidewaysOverflowPx(page)).toBe(0);
  const box = await page.locator('#pubsub-sockets svg').first().boundingBox();
  expect(box).not.toBeNull();
  expect((box?.y ?? 900) + Math.min(box?.height ?? 0, 100)).toBeLessThan(900);
}

describe.each(engineNames)(
  'live view on the %s engine (headless Chromium at 1400x900 against pubsub-a and pubsub-b)',
  (engine) => {
    let lab: Awaited<ReturnType<typeof startPubsubLab>>;
    let browser: Browser;

    beforeAll(async () => {
      lab = await startPubsubLab({ ENGINE: engine });
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await lab?.close();
      await stopAllRedis();
    });

    const open = async (url: string): Promise<Page> => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(url);
      await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      return page;
    };

    it('when mail is published, then pages on both instances show it; after a disconnect the cursor is drawn catching up', async () => {
      const pageA = await open(`${lab.a.url}/?user=wendy&connect=1`);
      const pageB = await open(`${lab.b.url}/?user=wendy&connect=1`);
      for (const page of [pageA, pageB]) {
        await page.locator('[data-connected="true"]').waitFor({ timeout: 10_000 });
      }
      // Both instances appear on each page with wendy's socket, from presence in Redis.
      await pageA.locator(row('pubsub-b', '[data-user="wendy"]')).waitFor({ timeout: 10_000 });
      await pageB.locator(row('pubsub-a', '[data-user="wendy"]')).waitFor({ timeout: 10_000 });

      const [sent] = await publishMails(lab.b, 'wendy', 1, { subject: 'to both tabs' });
      expect(sent).toBe(1);
      const messageIds: (string | null)[] = [];
      for (const page of [pageA, pageB]) {
        const line = page.locator('#mailbox-mails [data-history-id="1"][data-via="push"]', {
          hasText: 'to both tabs',
        });
        await line.waitFor({ timeout: 10_000 });
        // Exercise 1 compares the messageId the two pages show.
        messageIds.push(await line.locator('.pubsub-message-id').textContent());
      }
      expect(messageIds[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(messageIds[1]).toBe(messageIds[0]);
      // The publishing instance draws the fan-out on both engines (the adapter's receivers have no hook for it).
      await pageB.locator('.pubsub-fanout', { hasText: 'mailbox:wendy #1' }).waitFor({ timeout: 10_000 });
      // Presence is redrawn every second but never logged: the events pane keeps the lines exercises point to.
      expect(await pageA.locator('#lab-log', { hasText: 'instances:updated' }).count()).toBe(0);

      // Exercise 2: disconnect, miss three mails, reconnect: the page's socket is drawn catching up from #1 to #4.
      await pageA.click('#mailbox-disconnect');
      await pageA.locator('[data-connected="false"]').waitFor({ timeout: 10_000 });
      await publishMails(lab.b, 'wendy', 3);
      await pageA.click('#mailbox-connect');
      await pageA
        .locator('#mailbox-mails [data-history-id="4"][data-via="sync"]')
        .waitFor({ timeout: 10_000 });
      await pageA.locator('#mailbox-cursor', { hasText: 'historyId: 4' }).waitFor({ timeout: 10_000 });
      await pageA.locator('#lab-log', { hasText: 'synced 3 from history' }).waitFor({ timeout: 10_000 });
      const caughtUp = pageA.locator(
        row(
          'pubsub-a',
          '[data-self="true"][data-catch-up="sync:1-4"][data-cursor="4"][data-latest="4"][data-cursor-state="caught-up"]',
        ),
      );
      await caughtUp.waitFor({ timeout: 10_000 });
      expect(await caughtUp.locator('.pubsub-span--catch-up').count()).toBe(1);
      expect(await caughtUp.textContent()).toContain('sync #1 → #4 (3 from history)');

      // Exercise 3: history trimmed past the page's cursor: the retained mails are loaded by a full sync.
      await pageA.click('#mailbox-disconnect');
      await pageA.locator('[data-connected="false"]').waitFor({ timeout: 10_000 });
      await publishMails(lab.b, 'wendy', 8);
      await request(lab.a.service.server).post('/users/wendy/history/trim').send({ keepLast: 3 }).expect(200);
      await pageA.click('#mailbox-connect');
      for (const historyId of [10, 11, 12]) {
        await pageA
          .locator(`#mailbox-mails [data-history-id="${historyId}"][data-via="full-sync"]`)
          .waitFor({ timeout: 10_000 });
      }
      await pageA
        .locator('#lab-log', { hasText: 'full sync to 12: 3 retained mails loaded' })
        .waitFor({ timeout: 10_000 });
      await pageA
        .locator(row('pubsub-a', '[data-self="true"][data-catch-up="full-sync:4-12"]'))
        .waitFor({ timeout: 10_000 });
      await checkQuality(pageA);
      await pageA.close();
      await pageB.close();
    });

    it('when a client stops reading, then its window and queue are drawn full and the drops counted; it drains and catches up', async () => {
      const page = await open(`${lab.a.url}/`);
      // A client on pubsub-b that holds every acknowledgement: it reads nothing.
      const slow = await connectRecorder(lab.b.url, 'slowpoke');
      const held: (() => void)[] = [];
      let isReading = false;
      const socket: TestSocket = slow.socket;
      socket.off('mail:received');
      socket.on('mail:received', (_mail, ack) => {
        if (typeof ack !== 'function') return;
        if (isReading) ack();
        else held.push(ack);
      });
      await subscribeTo(socket, 'mailbox');
      await publishMails(lab.a, 'slowpoke', 100);

      if (engine === 'socketio-adapter') {
        // No outbox on this engine: nothing in flight, nothing dropped, socket.io buffers.
        await page
          .locator(row('pubsub-b', '[data-user="slowpoke"][data-in-flight="n/a"][data-dropped="n/a"]'))
          .waitFor({ timeout: 10_000 });
        await checkQuality(page);
        slow.close();
        await page.close();
        return;
      }

      // Window 16 in flight, queue 64 full, the other 20 dropped oldest-first; the cursor is behind #100.
      const stalled = page.locator(
        row(
          'pubsub-b',
          '[data-user="slowpoke"][data-in-flight="16"][data-queue="64"][data-dropped="20"][data-latest="100"]',
        ),
      );
      await stalled.waitFor({ timeout: 10_000 });
      expect(await stalled.locator('.pubsub-window__cell.is-busy').count()).toBe(16);
      expect(await stalled.locator('.pubsub-queue__fill.is-full').count()).toBe(1);
      expect(await stalled.textContent()).toContain('20 dropped');

      // A page opened now draws the same socket from the snapshot.
      const fresh = await open(`${lab.a.url}/`);
      await fresh
        .locator(
          row('pubsub-b', '[data-user="slowpoke"][data-in-flight="16"][data-queue="64"][data-dropped="20"]'),
        )
        .waitFor({ timeout: 10_000 });
      expect(await fresh.locator('.pubsub-fanout li').first().textContent()).toBe(
        await page.locator('.pubsub-fanout li').first().textContent(),
      );
      await checkQuality(fresh);
      await fresh.close();

      // It reads again: the queue drains, and its cursor stops at #16, before the dropped #17..#36.
      isReading = true;
      for (const ack of held.splice(0)) ack();
      const drained = page.locator(
        row('pubsub-b', '[data-user="slowpoke"][data-queue="0"][data-in-flight="0"][data-cursor="16"]'),
      );
      await drained.waitFor({ timeout: 10_000 });
      expect(await drained.getAttribute('data-cursor-state')).toBe('behind');
      // The client syncs from its cursor, as the drop report tells it to: drawn caught up.
      const reply = await socket.emitWithAck('history:sync', { sinceHistoryId: 16 });
      expect(reply).toMatchObject({ ok: true, historyId: 100 });
      await page
        .locator(
          row(
            'pubsub-b',
            '[data-user="slowpoke"][data-cursor="100"][data-catch-up="sync:16-100"][data-cursor-state="caught-up"]',
          ),
        )
        .waitFor({ timeout: 10_000 });
      slow.close();
      await page.close();
    });
  },
);

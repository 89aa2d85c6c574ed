import { launchBrowser, stopAllRedis } from '@kvs-lab/shared/testing';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineNames } from '../src/engines/fanout.ts';
import { publishMails } from './support/mail.ts';
import { startPubsubLab } from './support/pubsub-lab.ts';

describe.each(engineNames)(
  'live view on the %s engine (headless Chromium against pubsub-a and pubsub-b)',
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

    it('when mail is published, then pages on both instances show it; after a disconnect the page catches up by historyId', async () => {
      const pageA = await browser.newPage();
      const pageB = await browser.newPage();
      await pageA.goto(`${lab.a.url}/?user=wendy&connect=1`);
      await pageB.goto(`${lab.b.url}/?user=wendy&connect=1`);
      for (const page of [pageA, pageB]) {
        await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
        await page.locator('[data-connected="true"]').waitFor({ timeout: 10_000 });
      }
      // Both instances appear on each page with wendy's client, from presence in Redis.
      await pageA.locator('[data-instance="pubsub-b"] [data-user="wendy"]').waitFor({ timeout: 10_000 });
      await pageB.locator('[data-instance="pubsub-a"] [data-user="wendy"]').waitFor({ timeout: 10_000 });

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
      await pageB.locator('.pubsub-fanout', { hasText: 'mailbox:wendy' }).waitFor({ timeout: 10_000 });
      // Presence is redrawn every second but never logged: the events pane keeps the lines exercises point to.
      expect(await pageA.locator('#lab-log', { hasText: 'instances:updated' }).count()).toBe(0);

      await pageA.click('#mailbox-disconnect');
      await pageA.locator('[data-connected="false"]').waitFor({ timeout: 10_000 });
      await publishMails(lab.b, 'wendy', 3);
      await pageA.click('#mailbox-connect');
      await pageA
        .locator('#mailbox-mails [data-history-id="4"][data-via="sync"]')
        .waitFor({ timeout: 10_000 });
      await pageA.locator('#mailbox-cursor', { hasText: 'historyId: 4' }).waitFor({ timeout: 10_000 });
      await pageA.locator('#lab-log', { hasText: 'synced 3 from history' }).waitFor({ timeout: 10_000 });

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
      await pageA.close();
      await pageB.close();
    });
  },
);

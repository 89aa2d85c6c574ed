import { launchBrowser, stopAllRedis } from '@kvs-lab/shared/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { publishMails } from './support/mail.ts';
import { startPubsubLab } from './support/pubsub-lab.ts';

describe('live view (headless Chromium against pubsub-a and pubsub-b)', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;
  let browser: Browser;

  beforeAll(async () => {
    lab = await startPubsubLab();
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

    await publishMails(lab.b, 'wendy', 1, { subject: 'to both tabs' });
    for (const page of [pageA, pageB]) {
      await page
        .locator('#mailbox-mails [data-history-id="1"][data-via="push"]', { hasText: 'to both tabs' })
        .waitFor({ timeout: 10_000 });
    }
    await pageA.locator('#lab-log', { hasText: 'notification:fanned-out' }).waitFor({ timeout: 10_000 });

    await pageA.click('#mailbox-disconnect');
    await pageA.locator('[data-connected="false"]').waitFor({ timeout: 10_000 });
    await publishMails(lab.b, 'wendy', 3);
    await pageA.click('#mailbox-connect');
    await pageA.locator('#mailbox-mails [data-history-id="4"][data-via="sync"]').waitFor({ timeout: 10_000 });
    await pageA.locator('#mailbox-cursor', { hasText: 'historyId: 4' }).waitFor({ timeout: 10_000 });
    await pageA.locator('#lab-log', { hasText: 'synced 3 from history' }).waitFor({ timeout: 10_000 });
    await pageA.close();
    await pageB.close();
  });
});

import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { Browser, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, waitForReplica } from './support/quorum-consistency-lab.ts';
import type { Lab } from './support/quorum-consistency-lab.ts';

let lab: Lab;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  lab = await startLab();
  baseUrl = lab.urls.a;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await lab?.close();
  await stopAllRedis();
});

const open = async (): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${baseUrl}/`);
  await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
  return page;
};

/** One attribute of every element a locator matches. */
const attributes = async (locator: Locator, name: string): Promise<(string | null)[]> =>
  Promise.all((await locator.all()).map((element) => element.getAttribute(name)));

/** How far below the window's bottom edge an element ends: 0 when it is seen without scrolling. */
const belowFoldPx = async (page: Page, selector: string): Promise<number> => {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not drawn`);
  return Math.max(0, box.y + box.height - 900);
};

// The live view draws the mechanism; each step changes the lab and checks the picture changed as promised.
describe('live view (headless Chromium, 1400x900)', () => {
  it('when replica-3 is killed during a write, then the fan-out reaches W without it, its hint waits on replica-1 and is drawn delivered after the restart; a fresh page draws the same', async () => {
    const page = await open();
    try {
      await page.locator('#qc-settings', { hasText: 'W=2 R=2' }).waitFor({ timeout: 5_000 });
      await page.locator('g.qc-replica[data-node="replica-3"][data-state="up"]').waitFor({ timeout: 5_000 });

      // Two blind writes through different coordinators: siblings, drawn as two branches.
      await request(lab.b.server).put('/kv/cart').send({ value: 'pears' });
      await request(baseUrl).put('/kv/cart').send({ value: 'apples' });
      const fanOut = page.locator('#qc-fanout svg[data-key="cart"]');
      await page
        .locator('#qc-fanout svg[data-key="cart"][data-outcome="reached"][data-acks="3"][data-needed="2"]')
        .waitFor({ timeout: 5_000 });
      const orders = (await attributes(fanOut.locator('g.qc-send[data-status="ack"]'), 'data-order')).sort();
      expect(orders).toEqual(['1', '2', '3']);
      await page.locator('#qc-siblings svg[data-key="cart"][data-siblings="2"]').waitFor({ timeout: 5_000 });
      expect(
        (await attributes(page.locator('g.qc-branch[data-state="sibling"]'), 'data-clock')).sort(),
      ).toEqual(['{quorum-a:1}', '{quorum-b:1}']);

      // The exercise: stop a replica, write, restart it.
      await lab.replica('replica-3').kill();
      await page
        .locator('g.qc-replica[data-node="replica-3"][data-state="down"]')
        .waitFor({ timeout: 5_000 });
      const write = await request(baseUrl).put('/kv/while-down').send({ value: 'hinted' });
      expect(write.body.hinted).toEqual([{ target: 'replica-3', heldBy: 'replica-1' }]);
      await page
        .locator('#qc-fanout svg[data-key="while-down"][data-outcome="reached"][data-acks="2"]')
        .waitFor({ timeout: 5_000 });
      expect(await page.locator('g.qc-send[data-node="replica-3"]').getAttribute('data-status')).toBe(
        'unreachable',
      );
      await page
        .locator('g.qc-hint[data-target="replica-3"][data-held-by="replica-1"][data-state="waiting"]')
        .waitFor({ timeout: 5_000 });

      await lab.replica('replica-3').restart();
      await waitForReplica(lab.a, 'replica-3');
      expect((await request(baseUrl).post('/hints/replay')).body.delivered).toBe(1);
      const delivered = page.locator(
        'g.qc-hint[data-target="replica-3"][data-held-by="replica-1"][data-state="delivered"]',
      );
      await delivered.waitFor({ timeout: 5_000 });
      expect(await delivered.textContent()).toMatch(/1 hint delivered from replica-1: while-down/);
      expect(await page.locator('g.qc-hint[data-state="waiting"]').count()).toBe(0);
      await page.locator('g.qc-replica[data-node="replica-3"][data-state="up"]').waitFor({ timeout: 5_000 });

      // A lost disk, then a round of anti-entropy: the differing ranges are drawn, then repaired.
      await request(baseUrl).post('/chaos/faults/flush-replica').send({ node: 'replica-2' });
      const round = await request(baseUrl).post('/anti-entropy');
      expect(round.body.keysRepaired).toBe(2);
      await page
        .locator('#qc-merkle rect.qc-cell[data-state="repaired"]')
        .first()
        .waitFor({ timeout: 5_000 });
      expect(await page.locator('#qc-merkle g.qc-level[data-level="0"]').getAttribute('data-differing')).toBe(
        '1',
      );
      await page.locator('#qc-merkle-note', { hasText: '2 keys repaired' }).waitFor({ timeout: 5_000 });

      // A page opened now draws the same from the snapshot alone.
      const fresh = await open();
      try {
        const requestId = await page.locator('#qc-fanout svg').getAttribute('data-request');
        await fresh.locator(`#qc-fanout svg[data-request="${requestId ?? ''}"]`).waitFor({ timeout: 5_000 });
        await fresh
          .locator('g.qc-hint[data-target="replica-3"][data-state="delivered"]')
          .waitFor({ timeout: 5_000 });
        const cells = '#qc-merkle rect.qc-cell[data-state="repaired"]';
        await fresh.locator(cells).first().waitFor({ timeout: 5_000 });
        expect(await fresh.locator(cells).count()).toBe(await page.locator(cells).count());
        await fresh.locator('#qc-siblings svg[data-key="while-down"]').waitFor({ timeout: 5_000 });
        expect(await belowFoldPx(fresh, '#qc-fanout svg')).toBe(0);
        expect(await belowFoldPx(fresh, '#qc-siblings svg')).toBe(0);
        expect(await belowFoldPx(fresh, '#qc-merkle svg')).toBe(0);
        // The trace panel draws the fan-out's messages; clicking one shows what it carried.
        const message = fresh.locator('line.lab-trace__message').last();
        await message.waitFor({ state: 'attached', timeout: 10_000 });
        await message.dispatchEvent('click');
        expect(await fresh.locator('#lab-trace-details').textContent()).toContain('"type": "message"');
        expect(await sidewaysOverflowPx(fresh)).toBe(0);
        expect(await accessibilityViolations(fresh)).toEqual([]);
      } finally {
        await fresh.close();
      }
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
    const page = await open();
    try {
      // From the snapshot alone: no round ran since the page opened.
      await page.locator('#qc-merkle-note', { hasText: 'keys repaired' }).waitFor({ timeout: 5_000 });
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

      // A key picked in the table is drawn as branches.
      await page.locator('#qc-keys button', { hasText: 'item-12' }).click();
      await page
        .locator('#qc-siblings svg[data-key="item-12"][data-siblings="1"]')
        .waitFor({ timeout: 5_000 });

      expect(await sidewaysOverflowPx(page)).toBe(0);
      expect(await accessibilityViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import { call, startRingCluster } from './support/coordinator-ring-lab.ts';
import type { RingCluster } from './support/coordinator-ring-lab.ts';

// The live view draws the ring from one node's side: states, the leader and its term, the
// progress each node gossips, and the messages it sends and receives. The test kills the leader
// (exercise 1) and checks the picture tells that story, on a page open all along and a fresh one.
describe('live view (headless Chromium, 1400x900)', () => {
  let cluster: RingCluster;
  let browser: Browser;
  beforeAll(async () => {
    cluster = await startRingCluster(3);
    await cluster.waitForLeader({ everyone: true });
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    await stopAllRedis();
  });

  const open = async (url: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    return page;
  };

  it('when the leader is killed, the page draws it dead and a new leader in a higher term, and a fresh page draws the same', async () => {
    const old = await cluster.waitForLeader({ everyone: true });
    const observer = cluster.nodes.find((n) => n.name !== old.id);
    if (!observer) throw new Error('no node besides the leader');
    await call(`${observer.url}/kv/before-kill`, 'PUT', { value: 'x' }, 8_000);

    const page = await open(observer.url);
    // The title is drawn from the snapshot, which may land after the status line says live.
    await page.waitForFunction('/on Raft/.test(document.title)', undefined, { timeout: 10_000 });
    expect(await page.title()).toMatch(/on Raft/);
    await page
      .locator(`g.ring-node[data-node="${old.id}"][data-role="leader"][data-state="alive"]`)
      .waitFor({ timeout: 5_000 });
    await page.locator(`#ring-term[data-term="${old.term}"][data-leader="${old.id}"]`).waitFor();
    // Every node's progress arrives by gossip: the leader's commit index is drawn, not "not heard".
    // (Page-side code is passed as text: this package compiles without the DOM types.)
    await page.waitForFunction(
      `Number(document.querySelector('g.ring-node[data-node="${old.id}"]')?.getAttribute('data-commit')) > 0`,
      undefined,
      { timeout: 5_000 },
    );
    // A horizontal line has an empty box, which Playwright calls hidden: being drawn is what counts.
    await page
      .locator('line.ring-message[data-kind="append-entries"]')
      .first()
      .waitFor({ state: 'attached', timeout: 5_000 });
    // The main picture is on screen without scrolling.
    const box = await page.locator('#ring-svg').boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(900);

    // Remember every arrow the page draws from now on: vote arrows fade within seconds.
    await page.evaluate(`
      globalThis.seenKinds = [];
      new MutationObserver((changes) => {
        for (const change of changes)
          for (const added of change.addedNodes)
            if (added instanceof Element && added.matches('line.ring-message'))
              globalThis.seenKinds.push(added.getAttribute('data-kind'));
      }).observe(document.querySelector('g.ring-messages'), { childList: true });
    `);

    await cluster.node(old.id).kill();
    const next = await cluster.waitForLeader({ excluding: old.id, minTerm: old.term + 1 });
    await page
      .locator(`g.ring-node[data-node="${old.id}"]:is([data-state="dead"],[data-state="suspect"])`)
      .waitFor({ timeout: 10_000 });
    await page.locator(`g.ring-node[data-node="${old.id}"][data-state="dead"]`).waitFor({ timeout: 10_000 });
    // The observer stops naming the old leader once it hears of the new term, which on a loaded machine
    // can reach the page after the failure detector's verdict.
    await page
      .locator(`g.ring-node[data-node="${old.id}"][data-state="dead"]:not([data-role="leader"])`)
      .waitFor({ timeout: 10_000 });
    await page.locator(`g.ring-node[data-node="${next.id}"][data-role="leader"]`).waitFor({ timeout: 5_000 });
    const drawnTerm = Number(await page.locator('#ring-term').getAttribute('data-term'));
    expect(drawnTerm).toBeGreaterThan(old.term);
    // With one of three dead, the winner needed this node's vote: the election is in its table.
    const row = page.locator(`#ring-elections tr[data-term="${next.term}"][data-candidate="${next.id}"]`);
    await row.waitFor({ timeout: 5_000 });
    const seen = await page.evaluate<string[]>('globalThis.seenKinds');
    expect(seen).toEqual(expect.arrayContaining(['request-vote']));
    expect(seen.some((k) => k === 'vote-granted')).toBe(true);

    // A page opened now gets the same picture from the snapshot.
    const fresh = await open(observer.url);
    await fresh.locator(`g.ring-node[data-node="${old.id}"][data-state="dead"]`).waitFor({ timeout: 5_000 });
    await fresh
      .locator(`#ring-term[data-term="${String(drawnTerm)}"][data-leader="${next.id}"]`)
      .waitFor({ timeout: 5_000 });
    await fresh
      .locator(`#ring-elections tr[data-term="${next.term}"][data-candidate="${next.id}"]`)
      .waitFor({ timeout: 5_000 });
    await fresh.locator('#ring-commits li[data-key="before-kill"]').waitFor({ timeout: 5_000 });
    expect(await accessibilityViolations(fresh)).toEqual([]);
    expect(await sidewaysOverflowPx(fresh)).toBe(0);
    await Promise.all([page.close(), fresh.close()]);
  }, 90_000);
});

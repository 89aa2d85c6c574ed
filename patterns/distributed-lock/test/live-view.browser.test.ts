import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import { post, startLockCluster } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

// The live view draws the mechanism: votes per node, the lease and queue, fencing tokens at the
// resource. Each step below changes the system and checks that the picture changed as promised.
describe('live view (headless Chromium, 1400x900)', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  let b: LockInstance;
  let browser: Browser;
  beforeAll(async () => {
    cluster = await startLockCluster();
    [a, b] = cluster.instances as [LockInstance, LockInstance];
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await stopAllRedis();
  });

  const open = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${a.url}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    return page;
  };

  it('draws the votes, the holder, a stale token refused and a cut node, and a fresh page draws the same', async () => {
    const page = await open();
    await page.locator('g.lock-node[data-node="lock-3"][data-state="up"]').waitFor({ timeout: 5_000 });
    expect(await page.title()).toMatch(/on Redlock: 5 nodes vote, 3 grant/);

    const old = await post(`${a.url}/locks/invoice`, { ttlMs: 300, owner: 'alice' });
    expect(old.status).toBe(201);
    const granted = page.locator('g.lock-attempt[data-outcome="granted"]').first();
    await granted.waitFor({ timeout: 5_000 });
    expect(await granted.locator('g.lock-vote[data-vote="granted"]').count()).toBe(5);

    // Granted through the other instance after alice's lease ran out: the page reads the holder from the nodes.
    // Asked once her 300 ms are over on every node (each started them before she was answered), so bob's
    // lease lands on all five: asked while some copies still live, it could be granted by 3 with 2 'held'.
    await sleep(400);
    const next = await post(`${b.url}/locks/invoice`, { ttlMs: 10_000, waitMs: 5_000, owner: 'bob' });
    expect(next.status).toBe(201);
    await page.locator('#lock-holder[data-holder="bob"]').waitFor({ timeout: 5_000 });

    const write = (fencingToken: unknown, writer: string) =>
      post(`${a.url}/resources/invoice/writes`, { fencingToken, data: writer, writer });
    expect((await write(next.body.fencingToken, 'bob')).status).toBe(200);
    await page.locator('g.lock-write[data-state="accepted"][data-writer="bob"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('g.lock-write[data-state="refused"]').count()).toBe(0);
    // The zombie's late write: refused at the resource, and drawn refused.
    expect((await write(old.body.fencingToken, 'alice')).status).toBe(409);
    const refused = page.locator(
      `g.lock-write[data-state="refused"][data-writer="alice"][data-token="${String(old.body.fencingToken)}"]`,
    );
    await refused.waitFor({ timeout: 5_000 });
    expect(await refused.textContent()).toMatch(/refused/);

    // A cut node turns DOWN in its column, and the next attempt shows it did not answer.
    await fetch(`${a.url}/chaos/links/lock-3`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'cut' }),
    });
    await page.locator('g.lock-node[data-node="lock-3"][data-state="down"]').waitFor({ timeout: 5_000 });
    expect((await post(`${a.url}/locks/invoice`, { ttlMs: 1_000, owner: 'carol' })).status).toBe(409);
    const held = page.locator('g.lock-attempt[data-outcome="held"]').first();
    await held.waitFor({ timeout: 5_000 });
    expect(await held.locator('g.lock-vote[data-node="lock-3"]').getAttribute('data-vote')).toBe(
      'unreachable',
    );
    expect(await held.locator('g.lock-vote[data-vote="held"]').count()).toBe(4);

    // A page opened now gets the same picture from the snapshot.
    const fresh = await open();
    await fresh.locator('g.lock-node[data-node="lock-3"][data-state="down"]').waitFor({ timeout: 5_000 });
    await fresh
      .locator(`g.lock-write[data-state="refused"][data-writer="alice"]`)
      .waitFor({ timeout: 5_000 });
    await fresh.locator('#lock-holder[data-holder="bob"]').waitFor({ timeout: 5_000 });
    expect(await fresh.locator('g.lock-attempt').count()).toBe(await page.locator('g.lock-attempt').count());
    expect(await accessibilityViolations(fresh)).toEqual([]);
    expect(await sidewaysOverflowPx(fresh)).toBe(0);
    await fetch(`${a.url}/chaos`, { method: 'DELETE' });
    await Promise.all([page.close(), fresh.close()]);
  });
});

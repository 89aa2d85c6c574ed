import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  startEtcdCluster,
  stopAllEtcd,
} from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import type { RingApp } from '../src/app.ts';
import { defaultConfig } from '../src/config.ts';
import { eventually, uniqueFreePorts } from './support/coordinator-ring-lab.ts';

// On ENGINE=etcd, Raft runs inside etcd: the page must still draw the instances, the elected one
// and its term, say where the votes went, and not pretend to draw messages it cannot see.
describe('live view on the etcd engine (headless Chromium, 1400x900)', () => {
  const names = ['ring-e1', 'ring-e2', 'ring-e3'];
  let apps: RingApp[] = [];
  let ports: number[] = [];
  let browser: Browser;
  beforeAll(async () => {
    const etcd = await startEtcdCluster({ size: 3 });
    ports = await uniqueFreePorts(names.length);
    apps = await Promise.all(
      names.map((name) =>
        createApp({
          config: defaultConfig({
            nodeId: name,
            engine: 'etcd',
            etcdEndpoints: etcd.endpoints.join(','),
            failureTimeoutMs: 2_000,
          }),
          peers: names
            .map((other, j) => ({ name: other, url: `http://127.0.0.1:${ports[j]}` }))
            .filter((p) => p.name !== name),
        }),
      ),
    );
    await Promise.all(apps.map((app, i) => app.service.listen(ports[i] ?? 0, '127.0.0.1')));
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(apps.map((app) => app.service.close().catch(() => undefined)));
    await stopAllEtcd();
  }, 30_000);

  it('draws the instances, the elected one and its term, and says Raft runs inside etcd', async () => {
    const first = apps[0] as RingApp;
    const leader = await eventually(async () => {
      const body = (await request(first.service.server).get('/leader')).body as {
        leaderId: string | null;
        term: number;
      };
      return body.leaderId ? body : undefined;
    }, 'an instance elected through etcd');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${ports[0]}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    await page
      .locator(`#ring-term[data-term="${leader.term}"][data-leader="${leader.leaderId}"]`)
      .waitFor({ timeout: 10_000 });
    await page
      .locator(`g.ring-node[data-node="${leader.leaderId}"][data-role="leader"]`)
      .waitFor({ timeout: 5_000 });
    // Gossip marks the peers alive a beat after the election; a loaded machine can lag it.
    await page.locator('g.ring-node[data-state="alive"]').nth(2).waitFor({ timeout: 15_000 });
    expect(await page.locator('g.ring-node[data-state="alive"]').count()).toBe(3);
    expect(await page.title()).toMatch(/on etcd/);
    expect(await page.locator('#ring-caption').textContent()).toMatch(/Raft runs inside etcd/);
    // No vote table and no message legend: those messages travel between etcd's members, unseen.
    expect(await page.locator('#ring-elections').isVisible()).toBe(false);
    expect(await page.locator('#ring-legend').isVisible()).toBe(false);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await page.close();
  }, 60_000);
});

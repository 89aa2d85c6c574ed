import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  sidewaysOverflowPx,
  startRedis,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startEngineApp, startTestApp } from './support/bloom-sstable-lab.ts';

/** An SVG element as seen from the test: only its data-* attributes are read (no DOM lib here). */
type Tagged = { getAttribute(name: string): string | null };

// The live view draws the LSM tree (memtable, levels of SSTable chips, compaction) and a read's
// path with each Bloom filter's answer. Each step changes the store and checks the picture did.
describe('live view (headless Chromium, 1400x900)', () => {
  let browser: Browser;
  let app: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    const redis = await startRedis({ name: 'lsm-live-view' });
    app = await startTestApp('live-view', { redis });
    const address = await app.service.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.service.close();
    await stopAllRedis();
    removeTempDirs();
  });

  const open = async (url: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}/`);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    return page;
  };
  const stateOf = (page: Page, level: number, file: number) =>
    page
      .locator(`g.lsm-level[data-level="${level}"] g.lsm-chip[data-file="${file}"]`)
      .getAttribute('data-state');

  it('draws flushes as new L0 chips, the Bloom filters that skipped a read, and a compaction moving the files to L1; a fresh page draws the same', async () => {
    const page = await open(baseUrl);
    const http = request(baseUrl);
    for (const i of [1, 3, 5])
      await http
        .put(`/kv/live:${i}`)
        .send({ value: `v${i}` })
        .expect(200);
    await page.locator('#lsm-memtable[data-entries="3"]').waitFor({ timeout: 5_000 });
    const first = (await http.post('/flush').expect(200)).body.fileNumber as number;
    await page
      .locator(`g.lsm-level[data-level="0"] g.lsm-chip[data-file="${first}"][data-state="new"]`)
      .waitFor({
        timeout: 5_000,
      });
    for (const i of [2, 4, 6])
      await http
        .put(`/kv/live:${i}`)
        .send({ value: `v${i}` })
        .expect(200);
    const second = (await http.post('/flush').expect(200)).body.fileNumber as number;
    await page.locator(`g.lsm-level[data-level="0"][data-files="2"]`).waitFor({ timeout: 5_000 });
    // The event log says what happened in a line, not the flush's whole tree as JSON.
    expect(await page.locator('#lab-log').textContent()).toContain(
      `memtable:flushed 3 entries → L0 #${first}`,
    );
    // Only the newest flush is drawn new; the first is an ordinary chip now, readable key range and all.
    expect(await stateOf(page, 0, second)).toBe('new');
    expect(await stateOf(page, 0, first)).toBe('live');
    expect(await page.locator(`g.lsm-chip[data-file="${first}"] text.lsm-chip__keys`).textContent()).toBe(
      'live:1…live:5',
    );

    // Inside both tables' key ranges: only the Bloom filters can rule them out, and both do.
    const absent = await http.get('/kv/live:35').expect(404);
    expect(absent.body.trace).toMatchObject({ bloomChecks: 2, bloomNegatives: 2, sstablesRead: 0 });
    const saved = page.locator('#lsm-read-path[data-key="live:35"] g.lsm-station[data-bloom="no"]');
    await saved.first().waitFor({ timeout: 5_000 });
    expect(
      await saved.evaluateAll((gs: Tagged[]) => gs.map((g) => Number(g.getAttribute('data-file')))),
    ).toEqual([second, first]);
    expect(
      await page
        .locator('#lsm-read-path g.lsm-station')
        .evaluateAll((gs: Tagged[]) =>
          gs.map((g) => `${g.getAttribute('data-node')}:${g.getAttribute('data-state')}`),
        ),
    ).toEqual(['l1-cache:miss', 'l2-cache:miss', 'memtable:miss', 'L0:bloom-no', 'L0:bloom-no']);

    const compaction = (await http.post('/compact').expect(200)).body;
    const output = (compaction.outputFiles as number[])[0];
    await page
      .locator(`g.lsm-level[data-level="1"] g.lsm-chip[data-file="${output}"][data-state="new"]`)
      .waitFor({
        timeout: 5_000,
      });
    expect(await page.locator('g.lsm-level[data-level="0"]').getAttribute('data-files')).toBe('0');
    // The merged inputs stay as ghosts where they were, and an arrow goes from L0 to L1.
    expect(await stateOf(page, 0, first)).toBe('compacted');
    expect(await stateOf(page, 0, second)).toBe('compacted');
    const arrow = page.locator('#lsm-compaction-arrow');
    expect([await arrow.getAttribute('data-from-level'), await arrow.getAttribute('data-to-level')]).toEqual([
      '0',
      '1',
    ]);

    // A page opened now draws the same tree and the same read path from the snapshot.
    const fresh = await open(baseUrl);
    await fresh
      .locator(`g.lsm-level[data-level="1"] g.lsm-chip[data-file="${output}"][data-state="new"]`)
      .waitFor({
        timeout: 5_000,
      });
    const picture = (p: Page) =>
      p
        .locator('g.lsm-chip, g.lsm-station')
        .evaluateAll((gs: Tagged[]) =>
          gs.map(
            (g) =>
              `${g.getAttribute('data-node') ?? ''}${g.getAttribute('data-file')}:${g.getAttribute('data-state')}`,
          ),
        );
    expect(await picture(fresh)).toEqual(await picture(page));
    expect(await accessibilityViolations(fresh)).toEqual([]);
    // The page open all along has a full event log beside the picture: it reads as well.
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await sidewaysOverflowPx(fresh)).toBe(0);
    // Both pictures fit in the window without scrolling.
    const readBox = await fresh.locator('#lsm-read').boundingBox();
    expect(readBox && readBox.y + readBox.height).toBeLessThanOrEqual(900);
    await Promise.all([page.close(), fresh.close()]);
  }, 90_000);

  it('on LevelDB the picture says what the engine does not report, and still reads without a violation', async () => {
    const leveldb = await startEngineApp('leveldb', 'live-view');
    try {
      const address = await leveldb.service.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${address.port}`;
      const page = await open(url);
      const http = request(url);
      await http.put('/kv/ldb:1').send({ value: 'a' }).expect(200);
      await http.post('/flush').expect(200);
      await http.post('/compact').expect(200);
      await http.get('/kv/ldb:2').expect(404);
      await page
        .locator('#lsm-read-path g.lsm-station[data-node="leveldb"][data-state="unreported"]')
        .waitFor({
          timeout: 5_000,
        });
      expect(await page.locator('#lsm-memtable text.lsm-memtable__note').textContent()).toMatch(
        /LevelDB keeps its memtable inside and does not report it/,
      );
      expect(await page.locator('#lsm-read .lsm-caption').textContent()).toMatch(/LevelDB does not report/);
      expect(await page.title()).toBe('bloom-sstable on LevelDB');
      expect(await accessibilityViolations(page)).toEqual([]);
      expect(await sidewaysOverflowPx(page)).toBe(0);
      await page.close();
    } finally {
      await leveldb.service.close();
    }
  }, 60_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../service/index.ts';
import { launchBrowser } from '../../testing/browser.ts';
import { accessibilityViolations, sidewaysOverflowPx } from '../../testing/page-checks.ts';
import { loadPatternTopologies } from '../../lab/registry.ts';
import { createHomeApp } from './home-server.ts';
import { homeRows } from './home-state.ts';

describe('the lab home page', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-home-'));
  let browser: Browser;
  let home: Service;
  let url: string;

  beforeAll(async () => {
    home = createHomeApp(stateDir);
    url = `http://127.0.0.1:${(await home.listen(0)).port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await home?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('lists the seven patterns with their README links, readable on the dark theme at 1400 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('tr[data-pattern="distributed-lock"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('tbody tr').count()).toBe(7);
    expect(await page.locator('tr[data-pattern="quorum-consistency"]').textContent()).toContain('stopped');
    const readme = await page.locator('tr[data-pattern="bloom-sstable"] a').first().getAttribute('href');
    const response = await fetch(new URL(readme ?? '', url));
    expect(await response.text()).toMatch(/^# /);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await page.close();
  });

  it("when a pattern runs, its row links each instance and shows each instance's /check verdict", async () => {
    const topologies = await loadPatternTopologies();
    const status = {
      'distributed-lock': {
        pattern: 'distributed-lock',
        phase: 'ready' as const,
        supervisorPid: 1,
        reaperPid: null,
        portOffset: 0,
        startedAt: '',
        logFile: null,
        engine: null,
        processes: [
          {
            name: 'lock-1',
            role: 'redis',
            pid: 2,
            port: 7611,
            url: 'redis://127.0.0.1:7611',
            state: 'running',
          },
          {
            name: 'lock-a',
            role: 'service',
            pid: 3,
            port: 7601,
            url: 'http://127.0.0.1:7601',
            state: 'running',
          },
        ],
      },
    };
    const rows = await homeRows(topologies, status as never, (u) =>
      Promise.resolve({ valid: false, summary: `checked ${u}` }),
    );
    const lock = rows.find((r) => r.name === 'distributed-lock');
    expect(lock?.running?.services).toEqual([{ name: 'lock-a', url: 'http://127.0.0.1:7601' }]);
    expect(lock?.running?.checks).toEqual([
      { service: 'lock-a', valid: false, summary: 'checked http://127.0.0.1:7601' },
    ]);
    expect(rows.find((r) => r.name === 'bloom-sstable')?.running).toBeUndefined();
  });
});

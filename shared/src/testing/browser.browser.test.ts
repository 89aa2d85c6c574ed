import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findChromium, launchBrowser } from './browser.ts';
import { accessibilityViolations, sidewaysOverflowPx } from './page-checks.ts';

describe('the browser the lab drives', () => {
  it('when no system Chromium starts, then the bundled Chromium from npm renders a local page', async () => {
    const choice = await findChromium(['/nonexistent/chromium']);
    expect(choice.kind).toBe('bundled');
    expect(choice.version).toMatch(/Chrom(e|ium)/);

    // Pale grey on white and a 2000 px wide box: both checks must see them.
    const html =
      '<!doctype html><html lang="en"><title>t</title><p id="p" style="color:#ddd;background:#fff">rendered</p>' +
      '<div style="width:2000px;height:10px"></div></html>';
    const server = createServer((_req, res) => res.end(html));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const browser = await launchBrowser(choice);
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.locator('#p').textContent()).toBe('rendered');
      await page.setViewportSize({ width: 1400, height: 900 });
      expect((await accessibilityViolations(page)).map((v) => v.id)).toContain('color-contrast');
      expect(await sidewaysOverflowPx(page)).toBeGreaterThanOrEqual(600);
    } finally {
      await browser.close();
      server.close();
    }
  });

  it('when a candidate path exists but is not a browser, then it is passed over', async () => {
    const choice = await findChromium(['/bin/false']);
    expect(choice.kind).toBe('bundled');
  });
});

import { launchBrowser } from '../testing/browser.ts';
import { accessibilityViolations, sidewaysOverflowPx } from '../testing/page-checks.ts';
import type { AccessibilityViolation } from '../testing/page-checks.ts';

/** What a learner's browser sees of one live view: readable, fits the window, and how it looks. */
export interface LiveViewProbe {
  readonly violations: readonly AccessibilityViolation[];
  readonly overflowPx: number;
  readonly png: Buffer;
}

/**
 * Opens a live view in headless Chromium at 1400x900 (the size the lab promises to fit),
 * waits until the page is live and has drawn its snapshot, then checks it with axe-core
 * and takes a screenshot of the window.
 */
export async function probeLiveView(
  url: string,
  options: { settleMs?: number } = {},
): Promise<LiveViewProbe> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(options.settleMs ?? 1_500);
    const png = await page.screenshot({ type: 'png' });
    return {
      violations: await accessibilityViolations(page),
      overflowPx: await sidewaysOverflowPx(page),
      png,
    };
  } finally {
    await browser.close();
  }
}

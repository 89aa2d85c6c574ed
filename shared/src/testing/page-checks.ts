import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** One axe-core rule a page breaks, with the elements that break it. */
export interface AccessibilityViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: readonly string[];
}

let axeSource: string | undefined;

/** axe-core's browser build, read once from the installed package (never fetched). */
function axeScript(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

interface AxeResult {
  violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/**
 * Runs axe-core in the page and returns the violations at or above `minimum` impact
 * (colour contrast included): a live view must read on the kit's dark theme.
 */
export async function accessibilityViolations(
  page: Page,
  minimum: 'serious' | 'critical' = 'serious',
): Promise<AccessibilityViolation[]> {
  await page.addScriptTag({ content: axeScript() });
  const result = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run: () => Promise<AxeResult> } }).axe.run(),
  );
  const ranks = minimum === 'critical' ? ['critical'] : ['serious', 'critical'];
  return result.violations
    .filter((v) => ranks.includes(v.impact ?? ''))
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')),
    }));
}

/** How many pixels the page is wider than its window: 0 when nothing scrolls sideways. */
export async function sidewaysOverflowPx(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

const run = promisify(execFile);

/** Which Chromium drives the browser tests and `pnpm lab screenshot`, and why. */
export interface ChromiumChoice {
  readonly kind: 'system' | 'bundled';
  readonly executablePath: string;
  /** What the binary printed for `--version`, e.g. `Chromium 156.0.8078.73`. */
  readonly version: string;
}

/** Where a system Chromium may live: CHROMIUM_BIN first, then Debian's package. */
export function systemChromiumCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.CHROMIUM_BIN, '/usr/bin/chromium'].filter((p): p is string => Boolean(p));
}

/** A binary counts only if it starts: a path that exists but cannot run (wrong arch, missing libs) does not. */
async function versionOf(executablePath: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(executablePath, ['--version'], { timeout: 15_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Chromium inside the npm package `@sparticuz/chromium`: installed by `pnpm install`, so a
 * fresh machine needs no apt step. It unpacks itself into the temp dir on first use.
 */
async function bundledChromium(): Promise<ChromiumChoice> {
  const { default: bundled } = await import('@sparticuz/chromium');
  const executablePath = await bundled.executablePath();
  const version = await versionOf(executablePath);
  if (!version) {
    throw new Error(
      `No working Chromium: the system one is missing (tried ${systemChromiumCandidates().join(', ')}) ` +
        `and the bundled one at ${executablePath} does not start. Install one: apt-get install -y chromium, ` +
        'or set CHROMIUM_BIN to a Chromium binary.',
    );
  }
  return { kind: 'bundled', executablePath, version };
}

/** Picks the first system Chromium that starts, else the bundled one. */
export async function findChromium(candidates = systemChromiumCandidates()): Promise<ChromiumChoice> {
  for (const executablePath of candidates) {
    const version = await versionOf(executablePath);
    if (version) return { kind: 'system', executablePath, version };
  }
  return bundledChromium();
}

let chosen: Promise<ChromiumChoice> | undefined;

/**
 * Says once per test run which browser runs: vitest's workers share a parent, so the
 * first worker to get here leaves a marker file named after it and the others stay quiet.
 */
function announce(choice: ChromiumChoice): void {
  const marker = path.join(tmpdir(), `kvs-lab-browser-${process.ppid}`);
  try {
    writeFileSync(marker, choice.version, { flag: 'wx' });
  } catch {
    return;
  }
  process.stderr.write(`browser: ${choice.kind} ${choice.version} (${choice.executablePath})\n`);
}

/** The Chromium this process uses, resolved once. */
export function chromiumChoice(): Promise<ChromiumChoice> {
  chosen ??= findChromium().then((choice) => {
    announce(choice);
    return choice;
  });
  return chosen;
}

// Without the background-networking flags Chromium keeps dialling Google on a closed network.
// The bundled package ships its own argument list; passing it makes Playwright's launch crash, so it is not used.
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Chromium (system or bundled) for live-view tests and screenshots. */
export async function launchBrowser(choice?: ChromiumChoice): Promise<Browser> {
  const { executablePath } = choice ?? (await chromiumChoice());
  return chromium.launch({ executablePath, args: chromiumFlags, headless: true });
}

/** What a pattern's page needs beyond the kit's shell: its title, its stylesheet and its drawing script. */
export interface PageShell {
  readonly title: string;
  /** Relative to the pattern's `web/` folder, e.g. `./lock-view.css`. */
  readonly stylesheet: string;
  /** An ES module in the pattern's `web/` folder, e.g. `./lock-view.js`. */
  readonly script: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The one HTML shell every live view shares: the kit's theme, socket.io, d3 (from the installed
 * package, the same copy the trace panel uses), then the pattern's own stylesheet and script.
 */
export function pageShellHtml(page: PageShell): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8" />',
    `    <title>${escapeHtml(page.title)}</title>`,
    '    <link rel="stylesheet" href="/lab-kit/lab.css" />',
    `    <link rel="stylesheet" href="${escapeHtml(page.stylesheet)}" />`,
    '    <script src="/socket.io/socket.io.js"></script>',
    '    <script src="/lab-kit/vendor/d3.min.js"></script>',
    `    <script type="module" src="${escapeHtml(page.script)}"></script>`,
    '  </head>',
    '  <body></body>',
    '</html>',
    '',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { pageShellHtml } from './page-shell.ts';

describe('pageShellHtml', () => {
  it("loads the kit's theme, socket.io and d3 before the pattern's stylesheet and module, and escapes the title", () => {
    const html = pageShellHtml({ title: 'a <b> & "c"', stylesheet: './x-view.css', script: './x-view.js' });
    expect(html).toContain('<title>a &#60;b&#62; &#38; &#34;c&#34;</title>');
    const order = [
      '/lab-kit/lab.css',
      './x-view.css',
      '/socket.io/socket.io.js',
      '/lab-kit/vendor/d3.min.js',
    ];
    const at = order.map((needle) => html.indexOf(needle));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(html).toContain('<script type="module" src="./x-view.js"></script>');
  });
});

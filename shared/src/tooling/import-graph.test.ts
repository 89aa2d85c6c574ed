import { describe, expect, it } from 'vitest';
import { importCycles, relativeImports } from './import-graph.ts';

describe('import cycles', () => {
  it('reads value, type-only, re-export, side-effect and dynamic imports, and ignores packages', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import './d.ts';",
      "const e = await import('./e.ts');",
      "import express from 'express';",
      'import {\n  f,\n  g,\n} from "./fg.ts";',
    ].join('\n');
    expect(relativeImports(source).sort()).toEqual([
      '../b.ts',
      './a.ts',
      './c.ts',
      './d.ts',
      './e.ts',
      './fg.ts',
    ]);
  });

  it('finds each cycle once, including a long one and a self-import, and no cycle in a tree', () => {
    const graph = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
      ['f', ['d']],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(
      importCycles(
        new Map([
          ['x', ['y']],
          ['y', []],
        ]),
      ),
    ).toEqual([]);
  });
});

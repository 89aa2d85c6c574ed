import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every pattern README has the same sections in the same order at the same level, so a reader who learnt
// one finds everything in the other six. Pattern-specific topics are `###` under one of these.
export const readmeSections = [
  'The problem',
  'The algorithm',
  'Reading order',
  'Run it',
  'Live view',
  'Configuration',
  'API',
  'Errors',
  'Failure modes, and what the lab simplifies',
  'Engines',
  'In production',
  'Lab exercises',
  'Tests',
  'Benchmark',
] as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const patterns = readdirSync(path.join(root, 'patterns')).sort();

describe('pattern READMEs share one layout', () => {
  it.each(patterns)('%s: the ## sections are the house list, in order', (pattern) => {
    const readme = readFileSync(path.join(root, 'patterns', pattern, 'README.md'), 'utf8');
    // Headings inside fenced code blocks are shell comments, not sections.
    const outsideFences = readme.replace(/^```[\s\S]*?^```/gm, '');
    const sections = [...outsideFences.matchAll(/^## (.+)$/gm)].map((m) => m[1]?.trim());
    expect(sections).toEqual([...readmeSections]);
  });
});

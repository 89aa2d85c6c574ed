import path from 'node:path';

/**
 * Every file name in the data directory is built here from a number the
 * store allocated, never from a request: a key like `../../etc` can only
 * ever be data inside a file.
 */
export const manifestName = 'MANIFEST';

const pad = (n: number): string => String(n).padStart(6, '0');

export const fileNames = {
  wal: (dir: string, n: number): string => path.join(dir, `${pad(n)}.log`),
  sstable: (dir: string, n: number): string => path.join(dir, `${pad(n)}.sst`),
  temporary: (file: string): string => `${file}.tmp`,
  manifest: (dir: string): string => path.join(dir, manifestName),
};

export type DataFile = { readonly kind: 'wal' | 'sstable' | 'temporary'; readonly number: number };

/** What a file in the data directory is, from its name; undefined for files the store never writes. */
export function parseFileName(name: string): DataFile | undefined {
  if (name.endsWith('.tmp')) return { kind: 'temporary', number: 0 };
  const match = /^(\d{6,})\.(log|sst)$/.exec(name);
  if (!match) return undefined;
  return { kind: match[2] === 'log' ? 'wal' : 'sstable', number: Number(match[1]) };
}

import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a whole file so that a crash leaves either no file or the complete
 * one: write a temporary, fsync it, rename it into place, fsync the directory
 * (the rename itself lives in the directory's data).
 */
export async function writeFileDurably(
  file: string,
  data: Uint8Array | string,
  temporary: string,
): Promise<void> {
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  syncDirectory(path.dirname(file));
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

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
  await writeFileSynced(temporary, data);
  await rename(temporary, file);
  await syncDirectory(path.dirname(file));
}

/** Off the event loop: a flush's or compaction's directory fsync must not stall the writes arriving meanwhile. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes and fsyncs a file under its final name, without the rename: for an SSTable, which counts only once a
 * manifest names it. Recovery deletes a file the manifest does not name (a torn one included), and the
 * manifest's own directory fsync makes this file's directory entry durable before the manifest can name it.
 */
export async function writeFileSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

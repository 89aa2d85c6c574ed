import { AppError } from './errors.ts';
import { AsOfUnavailableError, EngineUnsupportedError } from './engines/kv-engine.ts';
import { SnapshotTooOldError } from './engines/engine-types.ts';

/**
 * Runs an engine read; a snapshot below the compaction horizon becomes 410 SNAPSHOT_TOO_OLD, an `asOf` the
 * engine cannot answer exactly 501 AS_OF_UNAVAILABLE.
 */
export async function atSnapshot<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SnapshotTooOldError) {
      throw new AppError('SNAPSHOT_TOO_OLD', error.message, { extras: { horizonSeq: error.horizonSeq } });
    }
    if (error instanceof AsOfUnavailableError) throw new AppError('AS_OF_UNAVAILABLE', error.message);
    if (error instanceof EngineUnsupportedError) throw new AppError('ENGINE_UNSUPPORTED', error.message);
    throw error;
  }
}

/** A flush or compaction that failed on disk is STORAGE_FAILED, as documented, not a bare 500. */
export async function onDisk<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new AppError('STORAGE_FAILED', `The ${what} failed on disk: ${String(error)}`, {
      cause: error,
    });
  }
}

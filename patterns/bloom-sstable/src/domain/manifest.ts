import { CorruptionError, utf8 } from './bytes.ts';
import { crc32 } from './crc32.ts';

/**
 * The manifest names the live SSTables. It is replaced whole (write a new
 * file, fsync, rename over the old one), so after a crash during a flush or
 * a compaction the store sees either the old set of tables or the new one,
 * never a mix; files it does not name are leftovers and get deleted.
 */
export interface TableMeta {
  readonly fileNumber: number;
  readonly level: number;
  readonly sizeBytes: number;
  readonly entryCount: number;
  readonly tombstoneCount: number;
  readonly smallestKey: string;
  readonly largestKey: string;
  readonly minSeq: number;
  readonly maxSeq: number;
  readonly filterBytes: number;
  readonly bitsPerKey: number;
  readonly hashCount: number;
  readonly keyCount: number;
}

export interface Manifest {
  readonly formatVersion: 1;
  readonly nextFileNumber: number;
  /** WAL files numbered below this are fully contained in tables and may be deleted. */
  readonly logNumber: number;
  /** The highest seq stored in any table (the WAL may hold higher ones). */
  readonly lastSeq: number;
  /** Compaction has discarded versions at or below this seq: older snapshots cannot be served. */
  readonly horizonSeq: number;
  readonly tables: readonly TableMeta[];
}

/** The manifest of a new data directory: no tables, WAL number 1, nothing written yet. */
export const emptyManifest: Manifest = {
  formatVersion: 1,
  nextFileNumber: 2,
  logNumber: 1,
  lastSeq: 0,
  horizonSeq: 0,
  tables: [],
};

/** JSON on the first line, its crc32 (hex) on the second: readable by a learner, checked by the store. */
export function encodeManifest(manifest: Manifest): string {
  const json = JSON.stringify(manifest);
  return `${json}\n${crc32(utf8(json)).toString(16).padStart(8, '0')}\n`;
}

/** Parses a manifest and checks its CRC-32 line; throws CorruptionError rather than trust a torn file. */
export function decodeManifest(text: string): Manifest {
  const [json, crcHex] = text.split('\n');
  if (json === undefined || crcHex === undefined)
    throw new CorruptionError('manifest: missing checksum line');
  if (crc32(utf8(json)).toString(16).padStart(8, '0') !== crcHex.trim()) {
    throw new CorruptionError('manifest: checksum mismatch');
  }
  const parsed = JSON.parse(json) as Manifest;
  if (parsed.formatVersion !== 1 || !Array.isArray(parsed.tables)) {
    throw new CorruptionError('manifest: unknown format');
  }
  return parsed;
}

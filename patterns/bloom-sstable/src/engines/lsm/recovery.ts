import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import { decodeManifest, emptyManifest, encodeManifest } from '../../domain/manifest.ts';
import type { Manifest } from '../../domain/manifest.ts';
import { Memtable } from '../../domain/memtable.ts';
import { decodeWal } from '../../domain/wal-record.ts';
import { writeFileDurably } from './durable-file.ts';
import type { EngineOptions, RecoveryReport } from '../engine-types.ts';
import { fileNames, parseFileName } from './file-names.ts';
import { writeSstable } from './sstable-file.ts';

export interface Recovered {
  readonly manifest: Manifest;
  /** The number of the fresh WAL the engine starts with. */
  readonly walNumber: number;
  readonly lastSeq: number;
  readonly report: RecoveryReport;
}

/**
 * Start-up: read the manifest; delete files it does not name (leftovers of a
 * crashed flush or compaction); replay the WALs it has not flushed, in
 * order, up to the first torn or corrupt record in any of them (truncating
 * it away and counting the bytes); write what they held as one L0 table;
 * record all of it in a new manifest; and only then delete the replayed logs.
 *
 * The rule is the prefix rule: what comes back is every write up to the
 * first bad record, never a later write without an earlier one. A newer WAL
 * after a corrupt one is not replayed but moved to `lost/` with its record
 * count in the report (LevelDB's repair tool uses the same directory), so
 * a damaged disk is visible and nothing is silently deleted. The risk: an
 * acknowledged write in that newer WAL is not served until someone looks.
 */
export async function recoverDataDir(options: EngineOptions): Promise<Recovered> {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  const manifestFile = fileNames.manifest(dir);
  let manifest = existsSync(manifestFile)
    ? decodeManifest(readFileSync(manifestFile, 'utf8'))
    : emptyManifest;
  const live = new Set(manifest.tables.map((t) => t.fileNumber));
  const wals: number[] = [];
  let highestNumber = manifest.nextFileNumber - 1;
  for (const name of readdirSync(dir)) {
    const parsed = parseFileName(name);
    if (!parsed) continue;
    highestNumber = Math.max(highestNumber, parsed.number);
    const isLeftover =
      parsed.kind === 'temporary' ||
      (parsed.kind === 'sstable' && !live.has(parsed.number)) ||
      (parsed.kind === 'wal' && parsed.number < manifest.logNumber);
    if (isLeftover) unlinkSync(`${dir}/${name}`);
    else if (parsed.kind === 'wal') wals.push(parsed.number);
  }
  wals.sort((a, b) => a - b);

  const recovered = new Memtable();
  let lastSeq = manifest.lastSeq;
  let records = 0;
  let discardedBytes = 0;
  const stopReasons: string[] = [];
  let corruptWal: number | undefined;
  for (const number of wals) {
    const file = fileNames.wal(dir, number);
    if (corruptWal !== undefined) {
      const skipped = decodeWal(readFileSync(file)).entries.length;
      mkdirSync(path.join(dir, 'lost'), { recursive: true });
      renameSync(file, path.join(dir, 'lost', path.basename(file)));
      stopReasons.push(
        `${path.basename(file)}: not replayed (${skipped} records after the corruption in ${path.basename(fileNames.wal(dir, corruptWal))}); moved to lost/`,
      );
      continue;
    }
    const replay = decodeWal(readFileSync(file));
    for (const entry of replay.entries) {
      if (entry.seq <= manifest.lastSeq) continue;
      recovered.add(entry);
      lastSeq = Math.max(lastSeq, entry.seq);
    }
    records += replay.entries.length;
    if (replay.discardedBytes > 0) {
      truncateSync(file, replay.validBytes);
      discardedBytes += replay.discardedBytes;
      stopReasons.push(`${path.basename(file)}: ${replay.stopReason ?? 'torn tail'}`);
      corruptWal = number;
    }
  }

  let nextFileNumber = Math.max(manifest.nextFileNumber, highestNumber + 1);
  const tables = [...manifest.tables];
  if (recovered.count > 0) {
    tables.push(await writeSstable(dir, nextFileNumber, 0, recovered.entries(), options));
    nextFileNumber += 1;
  }
  const walNumber = nextFileNumber++;
  manifest = { ...manifest, tables, nextFileNumber, logNumber: walNumber, lastSeq };
  await writeFileDurably(manifestFile, encodeManifest(manifest), fileNames.temporary(manifestFile));
  for (const number of wals)
    if (existsSync(fileNames.wal(dir, number))) unlinkSync(fileNames.wal(dir, number));

  return {
    manifest,
    walNumber,
    lastSeq,
    report: { walFiles: wals.length, records, discardedBytes, stopReasons },
  };
}

// The SSTable chips of the live view, kept apart from the page so a test can check them:
// what one chip says, how many fit in a level's row, and which files a compaction took away.

/** "812 B", "4.2 KiB", "1.5 MiB" */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return 'n/a';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const shorten = (text, chars) => (text.length <= chars ? text : `${text.slice(0, chars - 1)}…`);

/** A table's key range in at most `chars` characters, both ends kept: "user:1 … user:99". */
export function keyRangeLabel(file, chars = 22) {
  if (file.smallestKey === null || file.largestKey === null) return 'keys not reported';
  if (file.smallestKey === file.largestKey) return shorten(file.smallestKey, chars);
  const side = Math.max(3, Math.floor((chars - 1) / 2));
  return `${shorten(file.smallestKey, side)}…${shorten(file.largestKey, side)}`;
}

/**
 * The chips one row can hold: when a level has more files than slots, the last slot says how
 * many are not drawn ("+12 more"), so the row never grows past the window.
 */
export function chipsThatFit(files, slots) {
  if (files.length <= slots) return { shown: files, hidden: 0 };
  const room = Math.max(0, slots - 1);
  return { shown: files.slice(0, room), hidden: files.length - room };
}

/** The last compaction's input files that are gone from the tree now: drawn as ghosts where they were. */
export function compactedGhosts(lastCompaction, shape) {
  if (!lastCompaction) return [];
  const live = new Set(shape.levels.flatMap((l) => l.files.map((f) => f.file)));
  return lastCompaction.inputs.filter((f) => !live.has(f.file));
}

/** Files written by the last flush or compaction that are still live: drawn as new. */
export function freshFiles(lastFlush, lastCompaction) {
  const fresh = new Set(lastCompaction?.report.outputFiles ?? []);
  if (lastFlush?.fileNumber !== null && lastFlush?.fileNumber !== undefined) fresh.add(lastFlush.fileNumber);
  return fresh;
}

/** How much longer than recorded an exclusive file is kept apart from the next (see below). */
const exclusiveMargin = 1.5;

/**
 * The order to start test files in so that two workers finish together: longest first (the LPT rule),
 * with one exception: files that each start a whole lab of processes ("exclusive") are kept apart, so no
 * two of them run at the same time. Started together (the whole-lab file beside the runner's own tests)
 * the machine ran at load 10, and trivial runner calls missed their 30 s timeouts.
 *
 * vitest hands the next file in this order to whichever worker is free; the order is built by playing
 * that out on the recorded durations: each time a worker frees up, it takes the longest file left that
 * may run beside what the other workers are running.
 *
 * `recorded` maps a file (relative to the repo root) to its last measured seconds. A file not recorded
 * counts as the longest: it may be long, and started late it could only lengthen the run.
 */
export function longestFirst<T>(
  files: readonly T[],
  pathOf: (file: T) => string,
  recorded: Readonly<Record<string, number>>,
  options: { readonly workers?: number; readonly isExclusive?: (path: string) => boolean } = {},
): T[] {
  const workers = options.workers ?? 2;
  const isExclusive = options.isExclusive ?? (() => false);
  const secondsOf = (file: T): number => recorded[pathOf(file)] ?? Number.POSITIVE_INFINITY;
  const left = [...files].sort((a, b) => secondsOf(b) - secondsOf(a) || pathOf(a).localeCompare(pathOf(b)));
  // When each worker is free. An exclusive file's length varies most with the machine's load (the
  // whole-lab file: 227 s in one CI run, 425 s in another), so the next one waits for half as long again
  // as recorded, whichever worker it lands on.
  const freeAt = Array.from({ length: workers }, () => 0);
  let exclusiveUntil = 0;
  const order: T[] = [];
  while (left.length > 0) {
    const worker = freeAt.indexOf(Math.min(...freeAt));
    const now = freeAt[worker] ?? 0;
    let pick = left.findIndex((file) => now >= exclusiveUntil || !isExclusive(pathOf(file)));
    if (pick === -1) pick = 0; // only exclusive files are left: they run as they can
    const [file] = left.splice(pick, 1) as [T];
    order.push(file);
    // An unrecorded file's length is unknown: it is scheduled as a minute, so the play-out can go on.
    const seconds = Number.isFinite(secondsOf(file)) ? secondsOf(file) : 60;
    freeAt[worker] = now + seconds;
    if (isExclusive(pathOf(file))) exclusiveUntil = Math.max(exclusiveUntil, now + exclusiveMargin * seconds);
  }
  return order;
}

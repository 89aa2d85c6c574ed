/**
 * Keys per script call when many are read or written: one command, so one
 * 200 ms command timeout, which a batch must finish within on a loaded machine.
 */
export const readBatch = 100;
export const writeBatch = 50;

/**
 * Tree node values per merkle-nodes call (about 22 bytes each): a descent that reads four levels below
 * 256 opened nodes at 100,000 keys gets its 4,096 values in two calls sent together, one round trip.
 */
export const treeValuesPerCall = 2_048;

/**
 * Read calls in flight at once on one replica's connection. Sent together they share a round trip (the
 * replica runs them back to back); two, not more: at 100,000 keys a listing call is heavy, and with four
 * queued the last overran its timeout on a loaded machine. Writes go one at a time: a write batch keeps the
 * Merkle tree of each key.
 */
export const readsInFlight = 2;

/** Runs `run` on each slice of `size` items, up to `inFlight` slices at once; the answers in the slices' order. */
export async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  inFlight: number,
  run: (batch: readonly T[]) => Promise<R>,
): Promise<R[]> {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  const answers: R[] = new Array<R>(batches.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const at = next++;
      answers[at] = await run(batches[at] ?? []);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batches.length) }, worker));
  return answers;
}

/**
 * Pending leaves one flush applies to a replica's Merkle tree (about five tree nodes each at 16,384 leaves,
 * with the top levels shared): enough that a flush before a read almost always takes them all, few enough
 * that a flush after a burst of single writes stays well inside one command timeout.
 */
export const pendingLeavesPerFlush = 500;

/** One page of the live view's key table: which keys match, in what order, and how many there are. */
export interface KeyPage {
  /** Keys the replicas hold between them. */
  readonly total: number;
  /** Keys that contain the search text (all of them without one). */
  readonly matching: number;
  readonly offset: number;
  readonly keys: readonly string[];
}

// Natural order, so item-2 comes before item-10 as a reader expects.
const collator = new Intl.Collator('en', { numeric: true });

/** The page of `keys` at `offset` (up to `limit`) among those containing `search`, in natural order. */
export function pageOfKeys(
  keys: Iterable<string>,
  options: { readonly search?: string; readonly offset: number; readonly limit: number },
): KeyPage {
  const all = [...new Set(keys)];
  const search = options.search?.toLowerCase() ?? '';
  const matching = search === '' ? all : all.filter((key) => key.toLowerCase().includes(search));
  matching.sort(collator.compare);
  return {
    total: all.length,
    matching: matching.length,
    offset: options.offset,
    keys: matching.slice(options.offset, options.offset + options.limit),
  };
}

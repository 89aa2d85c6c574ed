/**
 * PK/SK queries (DynamoDB-style): all items of one partition key live on the
 * shard that owns the partition key, in a sorted set whose members are the
 * sort keys, all with score 0, so Redis keeps them in byte order and a page
 * is one ZRANGE BYLEX. This file turns a query into lexicographic bounds.
 */

export type SortOrder = 'asc' | 'desc';

export interface PageQuery {
  readonly prefix: string;
  /** The last sort key of the previous page: the page starts strictly after it (before it, descending). */
  readonly startAfter: string | undefined;
  readonly limit: number;
  readonly order: SortOrder;
}

/** Bounds in ZRANGE BYLEX syntax: `[x` inclusive, `(x` exclusive, `-`/`+` the ends. */
export interface LexBounds {
  readonly min: string;
  readonly max: string;
}

// U+FFFF sorts after every sort key the API accepts, so "prefix" + it closes the prefix range.
const afterEveryKey = '\uffff';

/** The BYLEX bounds for a page: the prefix range narrowed by the cursor. */
export function lexBounds(query: PageQuery): LexBounds {
  let min = query.prefix === '' ? '-' : `[${query.prefix}`;
  let max = query.prefix === '' ? '+' : `(${query.prefix}${afterEveryKey}`;
  if (query.startAfter !== undefined) {
    if (query.order === 'asc' && (min === '-' || query.startAfter >= query.prefix))
      min = `(${query.startAfter}`;
    if (query.order === 'desc' && (max === '+' || query.startAfter < `${query.prefix}${afterEveryKey}`)) {
      max = `(${query.startAfter}`;
    }
  }
  return { min, max };
}

/**
 * The page's cursor: the last sort key returned when the page is full (there
 * may be more), none when it is short (the range is exhausted). One extra
 * item is fetched to tell a full last page from a page with more after it.
 */
export function pageOf(
  fetched: readonly string[],
  limit: number,
): { readonly sortKeys: readonly string[]; readonly nextStartAfter: string | undefined } {
  const sortKeys = fetched.slice(0, limit);
  return { sortKeys, nextStartAfter: fetched.length > limit ? sortKeys.at(-1) : undefined };
}

/** `pageOf` over fetched items: the page's items (at most `limit`) and its cursor, null after the last page. */
export function itemPage<Item extends { readonly sk: string }>(
  fetched: readonly Item[],
  limit: number,
): { readonly items: Item[]; readonly nextStartAfter: string | null } {
  const page = pageOf(
    fetched.map((item) => item.sk),
    limit,
  );
  return { items: fetched.slice(0, page.sortKeys.length), nextStartAfter: page.nextStartAfter ?? null };
}

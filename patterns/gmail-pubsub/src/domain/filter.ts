/**
 * The safe filter language: three optional fields, all compared literally.
 * A filter is data, not code: no regular expressions (ReDoS), no nesting, and
 * a bounded size, so matching one message costs at most a few hundred character
 * comparisons whatever the client sends.
 */

export interface Filter {
  /** Exact sender address, compared case-insensitively. */
  readonly from?: string;
  /** A substring of the subject, compared case-insensitively (indexOf: linear time). */
  readonly subjectContains?: string;
  /** The message must carry at least one of these labels. */
  readonly labels?: readonly string[];
}

/** What a filter looks at in a message (mail, or a topic post that carries these fields). */
export interface FilterSubject {
  readonly from?: string;
  readonly subject?: string;
  readonly labels: readonly string[];
}

/** The bounds of one filter: they are what keeps matching cheap whatever a client sends. */
export const filterLimits = {
  fromMaxChars: 254,
  subjectContainsMaxChars: 100,
  labelsMax: 10,
  labelMaxChars: 32,
} as const;

export type FilterParse =
  | { readonly ok: true; readonly filter: Filter }
  | { readonly ok: false; readonly code: 'FILTER_INVALID' | 'FILTER_TOO_LARGE'; readonly detail: string };

const allowedKeys = new Set(['from', 'subjectContains', 'labels']);

const invalid = (detail: string): FilterParse => ({ ok: false, code: 'FILTER_INVALID', detail });
const tooLarge = (detail: string): FilterParse => ({ ok: false, code: 'FILTER_TOO_LARGE', detail });

/**
 * Turns what a client sent into a canonical filter (lower-cased, labels
 * de-duplicated), or says why not. Unknown keys are refused rather than ignored,
 * so `{ subjectRegex: ... }` fails loudly instead of silently matching everything.
 */
export function parseFilter(raw: unknown): FilterParse {
  if (raw === undefined || raw === null) return { ok: true, filter: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) return invalid('a filter is an object');
  const entries = Object.entries(raw as Record<string, unknown>);
  const unknown = entries.map(([key]) => key).filter((key) => !allowedKeys.has(key));
  if (unknown.length > 0) {
    return invalid(
      `unknown filter field(s) ${unknown.slice(0, 3).join(', ')}: only from, subjectContains, labels (no regular expressions)`,
    );
  }
  const input = raw as { from?: unknown; subjectContains?: unknown; labels?: unknown };
  let filter: Filter = {};
  if (input.from !== undefined) {
    if (typeof input.from !== 'string' || input.from.length === 0)
      return invalid('from is a non-empty string');
    if (input.from.length > filterLimits.fromMaxChars)
      return tooLarge(`from is longer than ${filterLimits.fromMaxChars} characters`);
    filter = { ...filter, from: input.from.toLowerCase() };
  }
  if (input.subjectContains !== undefined) {
    if (typeof input.subjectContains !== 'string' || input.subjectContains.length === 0) {
      return invalid('subjectContains is a non-empty string');
    }
    if (input.subjectContains.length > filterLimits.subjectContainsMaxChars) {
      return tooLarge(`subjectContains is longer than ${filterLimits.subjectContainsMaxChars} characters`);
    }
    filter = { ...filter, subjectContains: input.subjectContains.toLowerCase() };
  }
  if (input.labels !== undefined) {
    if (!Array.isArray(input.labels)) return invalid('labels is an array of strings');
    if (input.labels.length > filterLimits.labelsMax)
      return tooLarge(`more than ${filterLimits.labelsMax} labels`);
    const labels: string[] = [];
    for (const label of input.labels as unknown[]) {
      if (typeof label !== 'string' || label.length === 0) return invalid('each label is a non-empty string');
      if (label.length > filterLimits.labelMaxChars)
        return tooLarge(`a label is longer than ${filterLimits.labelMaxChars} characters`);
      const lower = label.toLowerCase();
      if (!labels.includes(lower)) labels.push(lower);
    }
    if (labels.length > 0) filter = { ...filter, labels };
  }
  return { ok: true, filter };
}

/** True when the filter has no condition: it lets everything through. */
export const isEmptyFilter = (filter: Filter): boolean =>
  filter.from === undefined && filter.subjectContains === undefined && filter.labels === undefined;

/** Every present condition must hold (AND); within `labels`, any one label is enough (OR). */
export function matchesFilter(filter: Filter, message: FilterSubject): boolean {
  if (filter.from !== undefined && (message.from ?? '').toLowerCase() !== filter.from) return false;
  if (
    filter.subjectContains !== undefined &&
    !(message.subject ?? '').toLowerCase().includes(filter.subjectContains)
  ) {
    return false;
  }
  if (filter.labels !== undefined) {
    const carried = message.labels.map((label) => label.toLowerCase());
    if (!filter.labels.some((label) => carried.includes(label))) return false;
  }
  return true;
}

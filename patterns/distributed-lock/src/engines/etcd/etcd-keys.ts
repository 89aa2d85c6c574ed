/**
 * The etcd keys of this engine. A contender's key lives under its lease, so it
 * vanishes when the lease lapses; the key's create revision is both its place
 * in the FIFO queue and, once it is the oldest, the fencing token.
 */
const root = 'lab/distributed-lock/lock/';

export const etcdKeys = {
  /** Every contender for `resource`, holder first when sorted by create revision. */
  prefix: (resource: string) => `${root}${resource}/`,
  /** One contender: named by its secret, which only the holder knows (the view never shows keys). */
  contender: (resource: string, token: string) => `${root}${resource}/${token}`,
  /** Every contender of every resource: the watch that hears releases and extensions. */
  all: root,
};

/** The range end that makes a range request cover every key starting with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

/** What a contender's key holds. `releasedAtMs` / `extendedUntilMs` are written just before a release / after an extend, for the other instances. */
export interface ContenderValue {
  readonly owner: string;
  readonly instance: string;
  readonly releasedAtMs?: number;
  readonly releasedBy?: string;
  readonly extendedUntilMs?: number;
  readonly extendedBy?: string;
}

export function parseContender(value: Buffer): ContenderValue {
  try {
    const v = JSON.parse(value.toString()) as Partial<ContenderValue>;
    return {
      ...v,
      owner: typeof v.owner === 'string' ? v.owner : '',
      instance: typeof v.instance === 'string' ? v.instance : '',
    };
  } catch {
    return { owner: '', instance: '' };
  }
}

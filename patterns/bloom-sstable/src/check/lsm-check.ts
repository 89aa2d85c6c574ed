import type { CheckVerdict, Operation } from '@kvs-lab/shared/history';

/**
 * The store's checker over its recorded history. Every write gets a seq, so
 * the promise can be stated exactly: a read that starts after a write was
 * acknowledged sees that write or a newer one (nothing acknowledged is lost,
 * no deleted key comes back), a value always belongs to the write with its
 * seq, and a snapshot read at `asOf` sees exactly the newest write <= asOf.
 */

export type LsmInput = { readonly key: string; readonly value?: string; readonly asOf?: number };
export type LsmOutput = { readonly seq?: number; readonly found?: boolean; readonly value?: string };

/** One recorded operation of this store, in the kit's history shape. */
export type LsmOperation = Operation<LsmInput, LsmOutput>;

interface Write {
  readonly id: number;
  readonly kind: 'put' | 'delete';
  readonly seq: number;
  readonly value?: string;
  readonly completedAt: number;
}

const isWriteKind = (kind: string): kind is 'put' | 'delete' => kind === 'put' || kind === 'delete';

/** Checks every completed read against the acknowledged writes of its key; names the first violation. */
export function checkLsmHistory(operations: readonly LsmOperation[]): CheckVerdict {
  const writesByKey = new Map<string, Write[]>();
  const writeBySeq = new Map<number, Write>();
  for (const op of operations) {
    if (!isWriteKind(op.kind) || op.outcome !== 'ok' || op.completedAt === undefined) continue;
    const seq = op.output?.seq;
    if (seq === undefined) continue;
    const write: Write = {
      id: op.id,
      kind: op.kind,
      seq,
      completedAt: op.completedAt,
      ...(op.input.value === undefined ? {} : { value: op.input.value }),
    };
    writeBySeq.set(seq, write);
    const list = writesByKey.get(op.input.key) ?? [];
    list.push(write);
    writesByKey.set(op.input.key, list);
  }
  let reads = 0;
  for (const read of operations) {
    if (read.kind !== 'get' || read.outcome !== 'ok' || !read.output) continue;
    reads += 1;
    const asOf = read.input.asOf ?? Number.MAX_SAFE_INTEGER;
    const acknowledged = (writesByKey.get(read.input.key) ?? []).filter(
      (w) => w.completedAt < read.invokedAt && w.seq <= asOf,
    );
    const newest = acknowledged.reduce<Write | undefined>((a, w) => (!a || w.seq > a.seq ? w : a), undefined);
    const seen = read.output.found ? read.output.seq : undefined;
    const fail = (rule: string, summary: string): CheckVerdict => ({
      valid: false,
      summary,
      firstViolation: {
        rule,
        read: read.id,
        key: read.input.key,
        sawSeq: seen ?? null,
        acknowledgedWrite: newest?.id ?? null,
        acknowledgedSeq: newest?.seq ?? null,
      },
    });
    if (seen !== undefined) {
      if (seen > asOf)
        return fail(
          'snapshot-bound',
          `Read ${read.id} at asOf=${asOf} returned seq ${seen}, newer than its snapshot.`,
        );
      const source = writeBySeq.get(seen);
      if (source && (source.kind !== 'put' || source.value !== read.output.value)) {
        return fail(
          'value-matches-seq',
          `Read ${read.id} of "${read.input.key}" returned a value that write seq ${seen} did not write.`,
        );
      }
      if (newest && seen < newest.seq) {
        return fail(
          newest.kind === 'delete' ? 'no-resurrection' : 'no-lost-write',
          newest.kind === 'delete'
            ? `Read ${read.id} of "${read.input.key}" returned seq ${seen}, but delete seq ${newest.seq} was acknowledged before the read began: a deleted key came back.`
            : `Read ${read.id} of "${read.input.key}" returned seq ${seen}, but write seq ${newest.seq} was acknowledged before the read began: a lost or stale write.`,
        );
      }
    } else if (newest && newest.kind === 'put') {
      const laterDelete = (writesByKey.get(read.input.key) ?? []).some(
        (w) => w.kind === 'delete' && w.seq > newest.seq && w.seq <= asOf,
      );
      if (!laterDelete) {
        return fail(
          'no-lost-write',
          `Read ${read.id} of "${read.input.key}" found nothing, but write seq ${newest.seq} was acknowledged before the read began.`,
        );
      }
    }
  }
  const writes = [...writesByKey.values()].reduce((n, list) => n + list.length, 0);
  return {
    valid: true,
    summary: `Checked ${reads} reads against ${writes} acknowledged writes: no lost write, no resurrected delete, every snapshot read consistent with its seq.`,
  };
}

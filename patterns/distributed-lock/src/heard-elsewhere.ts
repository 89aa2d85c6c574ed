import type { History } from '@kvs-lab/shared/history';
import type { Lease } from './lock-backend.ts';

/** A release or extension of a lease granted here, made through another instance and heard on the nodes. */
export interface HeardChange {
  readonly lease: Lease;
  readonly kind: 'released' | 'extended';
  /** Released: when the release was sent. Extended: the latest the lease can now last. */
  readonly atMs: number;
  /** The instance that made the change. */
  readonly by: string;
}

/** Records the change in this instance's history: /check must see the lease's window move. */
export function recordHeard(history: History, heard: HeardChange): void {
  const { lease, by } = heard;
  const target = { resource: lease.resource, fencingToken: lease.fencingToken, via: by };
  if (heard.kind === 'released') {
    history.invoke(`heard-from-${by}`, 'release', { ...target, releasedAtMs: heard.atMs }).ok({});
  } else {
    history.invoke(`heard-from-${by}`, 'extend', target).ok({ expiresAtMs: heard.atMs });
  }
}

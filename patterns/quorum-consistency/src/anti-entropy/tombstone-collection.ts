import { decideTombstoneCollection } from '../domain/tombstone-gc.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { ReplicaStore } from '../store/replica-store.ts';

/** Keys whose set is a single tombstone on the first replica: the only ones that may be collected. */
export async function tombstoneCandidates(replicas: readonly ReplicaStore[]): Promise<string[]> {
  return (await replicas[0]?.tombstoneKeys(500)) ?? [];
}

/**
 * Forgets the `candidates` every replica holds as the same lone tombstone, once
 * no hint is pending and the grace period has passed; returns how many keys
 * were dropped everywhere.
 */
export async function collectTombstones(
  replicas: readonly ReplicaStore[],
  candidates: readonly string[],
  options: {
    readonly hasPendingHints: () => Promise<boolean>;
    readonly now: () => number;
    readonly graceMs: number;
    readonly emit: LiveEmit;
  },
): Promise<number> {
  // Most rounds have no candidate, and then the hint check (a read per replica pair) is skipped.
  if (candidates.length === 0 || (await options.hasPendingHints())) return 0;
  let collected = 0;
  for (const key of candidates) {
    const held = await Promise.all(
      replicas.map((replica) => replica.readVersions(key).catch(() => undefined)),
    );
    const decision = decideTombstoneCollection({
      replicas: held,
      hasPendingHints: false,
      now: options.now(),
      graceMs: options.graceMs,
    });
    if (!decision.collect) continue;
    const dropped = await Promise.all(
      replicas.map((replica) => replica.dropTombstone(key, decision.versionId).catch(() => false)),
    );
    if (dropped.every(Boolean)) {
      collected += 1;
      options.emit('tombstone:collected', { key });
    }
  }
  return collected;
}
